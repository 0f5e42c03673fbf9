/**
 * Shared by the engine's tests and the settlement benchmark: order messages, quotes written
 * to Redis the way the feeder writes them, and an independent recomputation of balances from
 * the recorded fills (not from the engine's own state) to check the books against.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { Decimal, fromDb } from '../core/money.js';
import type { OrderMessage, OrderSide, OrderType } from '../core/order-message.js';
import { ORDER_MESSAGE_SCHEMA, playerIdOf } from '../core/order-message.js';
import type { FxRate, Quote } from '../core/ports.js';
import { FX_KEY, priceKey } from '../platform/redis.js';
import { newId } from '../core/ids.js';

/** Write `price:{ticker}` as the feeder does (JSON quote, TTL `ttlS`, default 60 s for tests). */
export async function writeQuote(
  redis: Redis,
  tickerId: string,
  price: string,
  options: { ts?: Date; currency?: Quote['currency']; ttlS?: number } = {},
): Promise<void> {
  const quote: Quote = {
    ticker_id: tickerId,
    price,
    currency: options.currency ?? (tickerId.startsWith('US-') ? 'USD' : tickerId.startsWith('CRYPTO-') ? 'KRW-COIN' : 'KRW'),
    change_pct: '0',
    volume: '0',
    ts: (options.ts ?? new Date()).toISOString(),
    source: 'test',
  };
  await redis.set(priceKey(tickerId), JSON.stringify(quote), 'EX', options.ttlS ?? 60);
}

/** Write `fx:USDKRW`. */
export async function writeFx(redis: Redis, rate: string, ts: Date = new Date()): Promise<void> {
  const fx: FxRate = { pair: 'USDKRW', rate, ts: ts.toISOString(), source: 'test' };
  await redis.set(FX_KEY, JSON.stringify(fx));
}

/** A Discord player as order messages introduce them. */
export interface TestPlayer {
  discordUserId: string;
  userId: string;
  username: string;
  nickname: string;
}

/** `n` Discord players with distinct ids, named `<prefix><i>`. */
export function makePlayers(n: number, prefix = 'ant'): TestPlayer[] {
  const base = 100_000_000_000_000 + Math.floor(Math.random() * 1_000_000_000) * 1_000;
  return Array.from({ length: n }, (_, i) => {
    const discordUserId = String(base + i);
    return { discordUserId, userId: playerIdOf(discordUserId), username: `${prefix}${i}_${discordUserId.slice(-6)}`, nickname: `개미${i}` };
  });
}

/** A schema-1 MARKET order message from `player`. */
export function orderMessage(
  player: TestPlayer,
  tickerId: string,
  side: OrderSide,
  size: { quantity: string } | { notional_krw: string },
  extra: { type?: OrderType; order_id?: string; withPlayer?: boolean } = {},
): OrderMessage {
  return {
    schema: ORDER_MESSAGE_SCHEMA,
    order_id: extra.order_id ?? newId(),
    user_id: player.userId,
    ticker_id: tickerId,
    side,
    type: extra.type ?? 'MARKET',
    ...size,
    source: 'discord',
    placed_at: new Date().toISOString(),
    ...(extra.withPlayer === false
      ? {}
      : { player: { discord_user_id: player.discordUserId, username: player.username, nickname: player.nickname } }),
  };
}

/** What the books should say, recomputed from `orders` alone. */
export interface Recomputed {
  cash: Map<string, Decimal>;
  shares: Map<string, Decimal>;
}

/**
 * Recompute every wallet and position from the FILLED orders and the starting cash: cash =
 * start − Σ buys (notional + fee) + Σ sells (notional − fee); shares = Σ ± filled quantity.
 * Then compare with `wallets`, `portfolios` and the ledger; returns a list of mismatches
 * (empty when the books agree), also checking that every ledger txn balances per asset and no
 * wallet is negative.
 */
export async function auditBooks(client: pg.ClientBase, startingCashKrw: string): Promise<string[]> {
  const problems: string[] = [];
  const start = new Decimal(startingCashKrw);
  const cash = new Map<string, Decimal>();
  for (const w of (await client.query<{ user_id: string }>('SELECT user_id FROM wallets')).rows) cash.set(w.user_id, start);
  const shares = new Map<string, Decimal>();
  const fills = await client.query<{ user_id: string; ticker_id: string; side: string; filled_quantity: string; filled_notional_krw: string; fee: string }>(
    "SELECT user_id, ticker_id, side, filled_quantity, filled_notional_krw, fee FROM orders WHERE status = 'FILLED'",
  );
  for (const f of fills.rows) {
    const notional = fromDb(f.filled_notional_krw);
    const fee = fromDb(f.fee);
    const q = fromDb(f.filled_quantity);
    const c = cash.get(f.user_id) ?? start;
    const k = `${f.user_id}|${f.ticker_id}`;
    const s = shares.get(k) ?? new Decimal(0);
    if (f.side === 'BUY') {
      cash.set(f.user_id, c.minus(notional).minus(fee));
      shares.set(k, s.plus(q));
    } else {
      cash.set(f.user_id, c.plus(notional).minus(fee));
      shares.set(k, s.minus(q));
    }
  }
  for (const w of (await client.query<{ user_id: string; balance_krw: string }>('SELECT user_id, balance_krw FROM wallets')).rows) {
    const expected = cash.get(w.user_id) ?? start;
    if (!fromDb(w.balance_krw).isEqualTo(expected)) problems.push(`wallet ${w.user_id}: ${w.balance_krw} ≠ recomputed ${expected.toFixed()}`);
    if (fromDb(w.balance_krw).isNegative()) problems.push(`wallet ${w.user_id} is negative`);
  }
  const positions = await client.query<{ user_id: string; ticker_id: string; quantity: string }>('SELECT user_id, ticker_id, quantity FROM portfolios');
  const seen = new Set<string>();
  for (const p of positions.rows) {
    const k = `${p.user_id}|${p.ticker_id}`;
    seen.add(k);
    const expected = shares.get(k) ?? new Decimal(0);
    if (!fromDb(p.quantity).isEqualTo(expected)) problems.push(`position ${k}: ${p.quantity} ≠ recomputed ${expected.toFixed()}`);
  }
  for (const [k, q] of shares) if (!seen.has(k) && !q.isZero()) problems.push(`position ${k} missing (recomputed ${q.toFixed()})`);
  const unbalanced = await client.query("SELECT txn_id, asset, sum(amount) AS s FROM ledger_entries GROUP BY txn_id, asset HAVING sum(amount) <> 0 LIMIT 5");
  if (unbalanced.rowCount) problems.push(`unbalanced ledger txns: ${JSON.stringify(unbalanced.rows)}`);
  const perAsset = await client.query("SELECT asset, sum(amount) AS s FROM ledger_entries GROUP BY asset HAVING sum(amount) <> 0");
  if (perAsset.rowCount) problems.push(`ledger does not sum to zero per asset: ${JSON.stringify(perAsset.rows)}`);
  const ledgerCash = await client.query<{ user_id: string; s: string }>(
    "SELECT l.user_id, sum(l.amount)::text AS s FROM ledger_entries l WHERE l.user_id IS NOT NULL AND l.asset = 'KRW' GROUP BY l.user_id",
  );
  for (const r of ledgerCash.rows) {
    const expected = cash.get(r.user_id) ?? start;
    if (!fromDb(r.s).isEqualTo(expected)) problems.push(`ledger cash of ${r.user_id}: ${r.s} ≠ recomputed ${expected.toFixed()}`);
  }
  return problems;
}

/** Poll `predicate` until it holds or `timeoutMs` passes (then throw `what`). */
export async function until(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
