/**
 * Game settings operators change at run time (SPEC §11: fee, whale threshold, margin,
 * starting cash): their keys, allowed ranges and the one parser every reader uses — the api
 * when an operator writes one, the engine and the bot when they read a stored value.
 * Storage is in api/admin/settings.repository.ts (`settings` table, Redis `config:settings`).
 */
import type { Result } from './errors.js';
import { ErrorCode, err } from './errors.js';
import { Decimal, parseDecimal } from './money.js';

export const SETTING_KEYS = ['trading_fee_rate', 'whale_alert_threshold_krw', 'starting_cash_krw', 'max_leverage', 'maintenance_margin'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Allowed range of each setting (inclusive bounds; `gtZero` excludes 0). */
export const SETTING_RULES: Readonly<Record<SettingKey, { min: string; max: string; gtZero: boolean; unit: string }>> = {
  trading_fee_rate: { min: '0', max: '0.1', gtZero: false, unit: 'fraction' },
  whale_alert_threshold_krw: { min: '0', max: '999999999999', gtZero: true, unit: 'KRW' },
  starting_cash_krw: { min: '0', max: '999999999999', gtZero: true, unit: 'KRW' },
  max_leverage: { min: '1', max: '100', gtZero: true, unit: 'ratio' },
  maintenance_margin: { min: '0', max: '1', gtZero: false, unit: 'fraction' },
};

/**
 * A setting's value from wire or stored text, checked against {@link SETTING_RULES}.
 * @returns the value, or `INVALID_INPUT` naming the key (out of range, not a plain decimal).
 */
export function parseSetting(key: SettingKey, input: unknown): Result<Decimal> {
  const rule = SETTING_RULES[key];
  const parsed = parseDecimal(input, { field: key, allowZero: !rule.gtZero, max: new Decimal(rule.max), code: ErrorCode.INVALID_INPUT });
  if (!parsed.ok) return parsed;
  if (parsed.value.lt(rule.min)) return err(ErrorCode.INVALID_INPUT, `${key} must be at least ${rule.min}`, { field: key });
  return parsed;
}
