/**
 * Storage of the game settings (keys, ranges and parser: core/settings.ts). Durable in
 * PostgreSQL `settings` (key → decimal string), mirrored in the Redis hash `config:settings`
 * for cheap reads by other processes; a key that was never set falls back to its environment
 * variable.
 *
 * The engine reads `trading_fee_rate`, `whale_alert_threshold_krw` and `starting_cash_krw`
 * from the table inside each settling transaction, so a change applies from the next batch
 * (`lockBatchState` in platform/db/settlement.repository.ts); `max_leverage` and
 * `maintenance_margin` wait for margin trading.
 *
 * Keys (exact):
 * | key | env default | meaning |
 * |---|---|---|
 * | `trading_fee_rate` | `TRADING_FEE_RATE` | fee as a fraction of notional (0–0.1) |
 * | `whale_alert_threshold_krw` | `WHALE_ALERT_THRESHOLD_KRW` | whale alert notional, KRW |
 * | `starting_cash_krw` | `STARTING_CASH_KRW` | cash of a new player, KRW |
 * | `max_leverage` | `MAX_LEVERAGE` | gross exposure / equity limit (1–100) |
 * | `maintenance_margin` | `MAINTENANCE_MARGIN` | liquidation threshold, fraction of gross exposure (0–1) |
 */
import type { Redis } from 'ioredis';
import type { Sequelize, Transaction } from 'sequelize';
import { Decimal, toJsonString } from '../../core/money.js';
import { SETTING_KEYS } from '../../core/settings.js';
import type { SettingKey } from '../../core/settings.js';
import { SETTINGS_REDIS_KEY } from '../../platform/redis.js';
import type { Config } from '../../platform/config.js';
import { rows } from '../sql.js';

export interface SettingView {
  key: SettingKey;
  value: string;
  source: 'database' | 'environment';
  updated_at: string | null;
  updated_by: string | null;
}

function envDefault(config: Config, key: SettingKey): string {
  switch (key) {
    case 'trading_fee_rate':
      return config.TRADING_FEE_RATE.toFixed();
    case 'whale_alert_threshold_krw':
      return config.WHALE_ALERT_THRESHOLD_KRW.toFixed();
    case 'starting_cash_krw':
      return config.STARTING_CASH_KRW.toFixed();
    case 'max_leverage':
      return config.MAX_LEVERAGE.toFixed();
    case 'maintenance_margin':
      return config.MAINTENANCE_MARGIN.toFixed();
  }
}

export class SettingsRepository {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly redis: Redis,
    private readonly config: Config,
  ) {}

  /** Every setting with its effective value. */
  async list(transaction?: Transaction): Promise<SettingView[]> {
    const stored = await rows<{ key: string; value: string; updated_at: Date; updated_by: string | null }>(
      this.sequelize,
      'SELECT key, value, updated_at, updated_by FROM settings WHERE key = ANY($1::text[])',
      [[...SETTING_KEYS]],
      transaction,
    );
    const byKey = new Map(stored.map((r) => [r.key, r]));
    return SETTING_KEYS.map((key) => {
      const r = byKey.get(key);
      return r === undefined
        ? { key, value: envDefault(this.config, key), source: 'environment', updated_at: null, updated_by: null }
        : { key, value: toJsonString(new Decimal(r.value)), source: 'database', updated_at: r.updated_at.toISOString(), updated_by: r.updated_by };
    });
  }

  /** The effective value of one setting. */
  async get(key: SettingKey, transaction?: Transaction): Promise<Decimal> {
    const all = await this.list(transaction);
    return new Decimal(all.find((s) => s.key === key)?.value ?? envDefault(this.config, key));
  }

  /** Store values (already validated) in the caller's transaction. Call {@link mirror} after commit. */
  async put(values: Partial<Record<SettingKey, Decimal>>, actorUserId: string, transaction: Transaction): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      await this.sequelize.query(
        `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        { bind: [key, toJsonString(value), actorUserId], transaction },
      );
    }
  }

  /** Copy the effective values to the Redis hash `config:settings`. */
  async mirror(): Promise<void> {
    const all = await this.list();
    await this.redis.hset(SETTINGS_REDIS_KEY, Object.fromEntries(all.map((s) => [s.key, s.value])));
  }
}
