/**
 * SettlementService: settles a batch of order messages in ONE PostgreSQL transaction (group
 * commit, SPEC §5) and reports, per message, what to do with its delivery.
 *
 * The common path is two round trips and no explicit transaction: an unlocked read of the
 * same state as step 1 below, then step 4's write as one statement that commits on its own and
 * is guarded — it updates a wallet or position only if it still holds the values read, inserts
 * only new orders and positions, and otherwise raises SQLSTATE 40001 (`settle_guard`, migration
 * 0007; 23505 for an order already recorded) and writes nothing — and, with `readChecks`, only
 * if everything else the batch was computed from is unchanged too (suspension, names, wallets
 * and positions it only read, instruments, settings). Players settled recently are not even
 * read: their state as last committed is remembered ({@link BatchStateCache}) and the guarded
 * write is the batch's only round trip. A batch that registers players, meets such a conflict
 * (an operator's cash adjustment in between) or a data error forgets its players and settles
 * again on the locked path:
 *
 * In the transaction, set-based — two statements for the whole batch:
 * 1. `lockBatchState`: lock the players' wallets (`FOR UPDATE`, user id order) and read their
 *    flags and names, the orders already recorded (a redelivery: changes nothing, emits
 *    nothing), the instruments, the positions and the operator settings (fee rate, whale
 *    threshold, starting cash from the `settings` table, read in the same transaction; a key
 *    never set falls back to its environment variable, see {@link effectiveParams});
 * 2. first use only: register players the messages introduce (`player`) — user, wallet and the
 *    starting cash (setting `starting_cash_krw`, else `STARTING_CASH_KRW`) as the ledger entry
 *    `system:mint → user:<id>` — then read again;
 * 3. for each message in arrival order, the pure {@link settle} on the in-memory state (a
 *    player's later order sees the earlier fill of the same batch);
 * 4. `writeBatch`: orders (all new, see 1), ledger rows, positions, wallets and
 *    outbox events (`order_filled`, `order_failed`, `whale_trade`, `operator_alert` for poison).
 *
 * Failure model:
 * - infrastructure errors (connection lost, database down, deadlock, Redis unreachable)
 *   throw {@link TransientSettlementError}: nothing committed; the caller retries the batch.
 * - a deterministic error (a constraint the rules should have prevented, a bug tripped by one
 *   message) rolls the batch back and settles it again with a SAVEPOINT per order (deferred
 *   ledger checks forced at each), so one bad order cannot sink the others; that order is
 *   recorded `FAILED` with `INTERNAL`, or, if even that cannot be written, handed back for
 *   dead-lettering.
 *
 * Event ids: new time-ordered uuids ({@link newId}, version 7), except where no order row can
 * dedupe a redelivery (an `order_failed` for an unknown user, a poison alert): those are
 * UUID v5 of the order / body, so the outbox keeps one.
 */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { MarketCalendar } from '../core/calendar.js';
import { ErrorCode } from '../core/errors.js';
import type { DomainEvent, OperatorAlertData, OrderFailedData, OrderFilledData, WhaleTradeData } from '../core/events.js';
import { Decimal, ZERO, fromDb, toDbString, toJsonString } from '../core/money.js';
import type { OrderMessage, PlayerInfo } from '../core/order-message.js';
import { EVENT_NAMESPACE, orderEventId, orderTermsOf, uuidV5 } from '../core/order-message.js';
import type { Clock, FxRate, Quote, QuoteCache } from '../core/ports.js';
import { emptyPosition, settle, startingCashLegs } from '../core/settle.js';
import type { Account, Instrument, LedgerLeg, Position, SettleOrder } from '../core/settle.js';
import { parseSetting } from '../core/settings.js';
import type { SettingKey } from '../core/settings.js';
import { isTickerId } from '../core/ticker.js';
import {
  insertUsers,
  insertWallets,
  loadUsers,
  loadUsersByDiscordId,
  lockBatchState,
  takenUsernames,
  writeBatch,
} from '../platform/db/settlement.repository.js';
import type { BatchState, LedgerWrite, NewUser, OrderRow, PositionValues, PositionWrite, ReadChecks, UserRow, WalletValues } from '../platform/db/settlement.repository.js';
import { BatchStateCache } from './batch-state.cache.js';
import type { BatchStateKeys, CommittedState } from './batch-state.cache.js';
import { newId } from '../core/ids.js';

/** Settlement parameters from configuration (KRW and fractions as decimals, times in ms). */
export interface SettlementParams {
  startingCashKrw: Decimal;
  feeRate: Decimal;
  whaleThresholdKrw: Decimal;
  priceStaleMs: number;
  fxStaleMs: number;
}

export interface SettlementServiceOptions {
  pool: Pool;
  quotes: QuoteCache;
  calendar: MarketCalendar;
  clock: Clock;
  /** Market time for the calendar (the replay clock in replay); default `clock`. */
  marketClock?: Clock;
  params: SettlementParams;
  logger: Logger;
  /**
   * Settle with one unlocked read and one guarded write where possible (default true); false
   * always takes the locked transaction (BEGIN, locking read, write, COMMIT).
   */
  unlockedReads?: boolean;
  /**
   * Settle players seen recently from their state as last committed, without reading it
   * (default true; only with `unlockedReads`). See {@link BatchStateCache}.
   */
  rememberState?: boolean;
}

/** A message that could not be parsed (dead-lettered after the batch commits its alert). */
export interface PoisonItem {
  /** Why it is poison (goes to the dead-letter header and the operator alert). */
  reason: string;
  /** The body as received (JSON text or raw text), for the alert. */
  body: string;
  deliveryCount: number;
}

/** What happened to one order message. */
export type Outcome =
  | { kind: 'filled'; orderId: string }
  | { kind: 'failed'; orderId: string; reason: string }
  /** Already settled earlier (redelivery or republish): nothing changed. */
  | { kind: 'duplicate'; orderId: string }
  /** Could not be recorded at all (deterministic error even for a FAILED row): dead-letter. */
  | { kind: 'dead'; orderId: string; reason: string };

export interface BatchResult {
  /** One outcome per message, in input order. */
  outcomes: Outcome[];
  /** Outbox events this batch committed, in commit order (to relay now). */
  events: DomainEvent[];
}

/** Nothing was committed and the same batch may succeed later (infrastructure). */
export class TransientSettlementError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientSettlementError';
  }
}

/** Prices (or the FX rate) could not be read from Redis; nothing was committed. */
class PricesUnavailableError extends TransientSettlementError {}

/** The unlocked path met a player to register: the batch goes to the locked path. */
class NeedsRegistration extends Error {}

/** A batch's result and, when it wrote from a read, the state its write left (to remember once committed). */
interface Applied extends BatchResult {
  committed: CommittedState | null;
}

/**
 * `writeBatch` found a row changed since it was read: SQLSTATE 40001 from `settle_guard`, or
 * 23505 on `orders_pkey` — an order of the batch recorded since (a redelivery settled from
 * remembered state, which does not know the orders already recorded).
 */
function isConflict(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '40001' || (code === '23505' && constraint === 'orders_pkey');
}

/** SQLSTATE classes that are about the server or the session, not the data. */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58|55P03|XX)/;
const NODE_NET_CODE = /^E[A-Z]+$/;

/** Whether `error` is an infrastructure failure worth retrying the whole batch for. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientSettlementError) return true;
  if (typeof error !== 'object' || error === null) return false;
  // Settling again (locked, reading the orders recorded) resolves a conflict.
  if (isConflict(error)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_SQLSTATE.test(code);
    if (NODE_NET_CODE.test(code)) return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|ECONNREFUSED|ECONNRESET/i.test(message);
}

interface MarketData {
  quotes: Map<string, Quote>;
  fx: FxRate | null;
}

/** The batch's prices and the time they were read at (settled against). */
interface Loaded {
  market: MarketData;
  now: Date;
}

interface Player {
  /** The id orders of this player are recorded under (may differ from the message's when linked by Discord id). */
  id: string;
  username: string;
  nickname: string | null;
}

/** Builds the rows and events of a batch while walking its messages. */
class BatchWriter {
  readonly orders: OrderRow[] = [];
  readonly ledger: LedgerWrite[] = [];
  readonly events: DomainEvent[] = [];
  readonly wallets = new Map<string, Account>();
  readonly positions = new Map<string, Position>();
  readonly touchedWallets = new Set<string>();
  readonly touchedPositions = new Set<string>();
  /**
   * Wallets and positions as read (8-dp strings): the write checks they are unchanged. A
   * position read is updated in place (by its `id`); the others are inserted.
   */
  readonly readWallets = new Map<string, WalletValues>();
  readonly readPositions = new Map<string, PositionValues & { id: string }>();

  legs(txnId: string, orderId: string | null, legs: readonly LedgerLeg[]): void {
    for (const l of legs) {
      if (l.amount.isZero()) continue;
      this.ledger.push({ txnId, account: l.account, userId: l.userId, asset: l.asset, amount: toDbString(l.amount), kind: l.kind, orderId });
    }
  }
}

const posKey = (userId: string, tickerId: string) => `${userId}|${tickerId}`;
const unreachable = (what: string): never => {
  throw new Error(`settlement bug: ${what}`);
};
const dbOrNull = (x: Decimal | null) => (x === null ? null : toDbString(x));

/**
 * `state` with only the positions `keys` names: a read returns every position of the batch's
 * players (so the cache knows which they do not hold), but a batch settles from, writes and
 * checks only those of its orders.
 */
function withAskedPositions(state: BatchState, keys: BatchStateKeys): BatchState {
  const asked = new Set(keys.positions.map((k) => posKey(k.userId, k.tickerId)));
  const positions = state.positions.filter((p) => asked.has(posKey(p.user_id, p.ticker_id)));
  return positions.length === state.positions.length ? state : { ...state, positions };
}

/**
 * What an unlocked batch used besides the rows it writes (see `ReadChecks`): every player's
 * flags and names, the wallets and positions it only read, the positions it found absent and
 * did not open, its instruments and the settings.
 */
function readChecksOf(state: BatchState, keys: BatchStateKeys, w: BatchWriter): ReadChecks {
  const absent = new Map<string, { userId: string; tickerId: string }>();
  for (const k of keys.positions) {
    const key = posKey(k.userId, k.tickerId);
    if (!w.readPositions.has(key) && !w.touchedPositions.has(key)) absent.set(key, k);
  }
  return {
    users: state.accounts.map((a) => ({ id: a.user_id, isSuspended: a.is_suspended, username: a.username, nickname: a.nickname })),
    wallets: state.accounts
      .filter((a) => !w.touchedWallets.has(a.user_id))
      .map((a) => ({ userId: a.user_id, balanceKrw: a.balance_krw, reservedKrw: a.reserved_krw })),
    positions: state.positions
      .filter((p) => !w.touchedPositions.has(posKey(p.user_id, p.ticker_id)))
      .map((p) => ({ id: p.id, quantity: p.quantity, reservedQuantity: p.reserved_quantity })),
    absentPositions: [...absent.values()],
    instruments: state.instruments.map((i) => ({ id: i.id, active: i.active })),
    settings: state.settings,
  };
}

/** See the module comment. */
export class SettlementService {
  private readonly pool: Pool;
  private readonly quotes: QuoteCache;
  private readonly calendar: MarketCalendar;
  private readonly clock: Clock;
  private readonly marketClock: Clock;
  private readonly params: SettlementParams;
  private readonly logger: Logger;
  private readonly unlockedReads: boolean;
  /** Players' state as last committed (undefined: always read). */
  readonly stateCache: BatchStateCache | undefined;

  constructor(options: SettlementServiceOptions) {
    this.unlockedReads = options.unlockedReads ?? true;
    this.stateCache = this.unlockedReads && (options.rememberState ?? true) ? new BatchStateCache() : undefined;
    this.pool = options.pool;
    this.quotes = options.quotes;
    this.calendar = options.calendar;
    this.clock = options.clock;
    this.marketClock = options.marketClock ?? options.clock;
    this.params = options.params;
    this.logger = options.logger.child({ component: 'settlement' });
  }

  /**
   * Settle `messages` (in arrival order) and record `poison` alerts, in one transaction.
   * @throws TransientSettlementError when nothing could be committed for infrastructure
   *   reasons; the caller keeps the deliveries and retries with backoff.
   */
  async settleBatch(messages: readonly OrderMessage[], poison: readonly PoisonItem[] = []): Promise<BatchResult> {
    // Prices come from Redis while PostgreSQL reads the batch's rows: the Redis round trip is
    // hidden behind the read's. `now` is read once the prices are in.
    const loaded = this.loadMarket(messages).then((market) => ({ market, now: this.clock.now() }));
    loaded.catch(() => undefined); // awaited in the transaction; never an unhandled rejection
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw new TransientSettlementError('cannot reach PostgreSQL', { cause: error });
    }
    let broken: Error | undefined;
    try {
      if (this.unlockedReads && poison.length === 0 && messages.length > 0) {
        const settled = await this.settleUnlocked(client, messages, loaded);
        if (settled) return settled;
      }
      // From here on the batch's players are read again, under lock.
      this.stateCache?.forget(messages.map((m) => m.user_id));
      try {
        const applied = await this.inTransaction(client, () => this.apply(client, messages, poison, loaded, null, true));
        if (applied.committed) this.stateCache?.committed(applied.committed);
        return { outcomes: applied.outcomes, events: applied.events };
      } catch (error) {
        if (isTransient(error)) throw error;
        this.logger.warn({ err: error, batch: messages.length }, 'batch failed on a data error; settling order by order');
      }
      return await this.inTransaction(client, () => this.applyOneByOne(client, messages, poison, loaded));
    } catch (error) {
      if (isTransient(error)) {
        // Redis failing says nothing about the PostgreSQL connection: keep it in the pool.
        if (!(error instanceof PricesUnavailableError)) broken = error instanceof Error ? error : new Error(String(error));
        throw error instanceof TransientSettlementError ? error : new TransientSettlementError('settlement transaction failed', { cause: error });
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * The common path: one unlocked read and one guarded write (a statement that commits on its
   * own), two round trips instead of BEGIN, locking read, write and COMMIT. Null when the batch
   * must take the locked path instead: it registers players, a row changed between the read and
   * the write (the write then wrote nothing), or a data error (settled order by order there).
   * @throws TransientSettlementError (or a transient database error) on infrastructure failure.
   */
  private async settleUnlocked(
    client: PoolClient,
    messages: readonly OrderMessage[],
    loaded: Promise<Loaded>,
  ): Promise<BatchResult | null> {
    try {
      const applied = await this.apply(client, messages, [], loaded, null, false);
      if (applied.committed) this.stateCache?.committed(applied.committed);
      return { outcomes: applied.outcomes, events: applied.events };
    } catch (error) {
      if (error instanceof NeedsRegistration) return null;
      if (isConflict(error)) {
        this.logger.debug({ err: error, batch: messages.length }, 'a row changed while settling unlocked; settling again locked');
        return null;
      }
      if (isTransient(error)) throw error;
      return null;
    }
  }

  private async inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    try {
      const result = await fn();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** Fallback: each order in its own savepoint; deferred ledger checks forced per order. */
  private async applyOneByOne(
    client: PoolClient,
    messages: readonly OrderMessage[],
    poison: readonly PoisonItem[],
    given: Promise<Loaded>,
  ): Promise<BatchResult> {
    const outcomes: Outcome[] = [];
    const events: DomainEvent[] = [];
    const attempt = async (fn: () => Promise<BatchResult>): Promise<unknown> => {
      await client.query('SAVEPOINT one_order');
      try {
        const r = await fn();
        await client.query('SET CONSTRAINTS ALL IMMEDIATE');
        await client.query('SET CONSTRAINTS ALL DEFERRED');
        await client.query('RELEASE SAVEPOINT one_order');
        return r;
      } catch (error) {
        if (isTransient(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT one_order');
        await client.query('SET CONSTRAINTS ALL DEFERRED');
        return error;
      }
    };
    const isResult = (x: unknown): x is BatchResult => typeof x === 'object' && x !== null && 'outcomes' in x && 'events' in x;
    if (poison.length > 0) {
      const r = await attempt(() => this.apply(client, [], poison, given, null, true));
      if (isResult(r)) events.push(...r.events);
    }
    for (const m of messages) {
      let r = await attempt(() => this.apply(client, [m], [], given, null, true));
      if (!isResult(r)) {
        const cause = r;
        this.logger.error({ err: cause, order_id: m.order_id }, 'order cannot be settled; recording it FAILED (INTERNAL)');
        r = await attempt(() => this.apply(client, [m], [], given, ErrorCode.INTERNAL, true));
        if (!isResult(r)) {
          this.logger.error({ err: r, order_id: m.order_id }, 'order cannot even be recorded as failed; dead-lettering it');
          outcomes.push({ kind: 'dead', orderId: m.order_id, reason: `cannot be recorded: ${cause instanceof Error ? cause.message : String(cause)}` });
          continue;
        }
      }
      outcomes.push(...r.outcomes);
      events.push(...r.events);
    }
    return { outcomes, events };
  }

  /**
   * The parameters of this batch: the operator's `settings` where set (admin panel, SPEC §11),
   * else the configuration. A stored value {@link parseSetting} refuses is ignored with a
   * warning.
   */
  private effectiveParams(settings: Readonly<Record<string, string>>): SettlementParams {
    const pick = (key: SettingKey, fallback: Decimal): Decimal => {
      const text = settings[key];
      if (text === undefined) return fallback;
      const parsed = parseSetting(key, text);
      if (parsed.ok) return parsed.value;
      this.logger.warn({ key, value: text, reason: parsed.error.message }, 'ignoring an unusable setting; using the configured value');
      return fallback;
    };
    const p = this.params;
    return {
      ...p,
      feeRate: pick('trading_fee_rate', p.feeRate),
      whaleThresholdKrw: pick('whale_alert_threshold_krw', p.whaleThresholdKrw),
      startingCashKrw: pick('starting_cash_krw', p.startingCashKrw),
    };
  }

  private async loadMarket(messages: readonly OrderMessage[]): Promise<MarketData> {
    const tickers = [...new Set(messages.map((m) => m.ticker_id).filter((t) => isTickerId(t)))];
    try {
      const [quotes, fx] = await Promise.all([
        this.quotes.getQuotes(tickers),
        tickers.some((t) => t.startsWith('US-')) ? this.quotes.getFx() : Promise.resolve(null),
      ]);
      return { quotes, fx };
    } catch (error) {
      throw new PricesUnavailableError('cannot read prices from Redis', { cause: error });
    }
  }

  /**
   * First use: register the players named by `missing` (message user ids without a wallet).
   * A user without a wallet gets one; an unknown id whose message introduces a `player` is
   * created, or linked to the user already holding that Discord id; each new wallet gets
   * `STARTING_CASH_KRW` minted on the ledger (`system:mint → user:<id>`).
   * @returns message user id → the id the player is recorded under (only where they differ).
   */
  private async registerPlayers(
    client: PoolClient,
    messages: readonly OrderMessage[],
    missing: readonly string[],
    w: BatchWriter,
    startingCashKrw: Decimal,
  ): Promise<Map<string, string>> {
    const alias = new Map<string, string>();
    const needWallet = new Set<string>();
    const existing = new Map((await loadUsers(client, missing)).map((u) => [u.id, u] as const));
    const introduced = new Map<string, PlayerInfo>();
    for (const id of missing) {
      const u = existing.get(id);
      if (u) {
        if (!u.has_wallet) needWallet.add(id);
        continue;
      }
      const player = messages.find((m) => m.user_id === id && m.player !== undefined)?.player;
      if (player) introduced.set(id, player);
    }
    if (introduced.size > 0) {
      // Linked elsewhere (OAuth) under another id: settle under that id.
      const byDiscord = new Map<string, UserRow>();
      for (const row of await loadUsersByDiscordId(client, [...introduced.values()].map((p) => p.discord_user_id))) {
        if (row.discord_user_id !== null) byDiscord.set(row.discord_user_id, row);
      }
      const fresh: NewUser[] = [];
      for (const [id, p] of introduced) {
        const linked = byDiscord.get(p.discord_user_id);
        if (linked) {
          alias.set(id, linked.id);
          if (!linked.has_wallet) needWallet.add(linked.id);
        } else fresh.push({ id, discordUserId: p.discord_user_id, username: p.username, nickname: p.nickname ?? null });
      }
      if (fresh.length > 0) {
        const taken = await takenUsernames(client, fresh.map((u) => u.username.toLowerCase()));
        const seen = new Set<string>();
        for (const u of fresh) {
          const lower = u.username.toLowerCase();
          // Usernames are unique case-insensitively; a clash gets the Discord id appended.
          if (taken.has(lower) || seen.has(lower)) u.username = `${u.username.slice(0, 38)}#${u.discordUserId}`;
          seen.add(u.username.toLowerCase());
        }
        const inserted = await insertUsers(client, fresh);
        // A username taken in the meantime (another batch in flight registering a namesake): suffix and retry once.
        const clashed = fresh
          .filter((u) => !inserted.has(u.id) && !u.username.endsWith(`#${u.discordUserId}`))
          .map((u) => ({ ...u, username: `${u.username.slice(0, 38)}#${u.discordUserId}` }));
        if (clashed.length > 0) for (const id of await insertUsers(client, clashed)) inserted.add(id);
        for (const id of inserted) needWallet.add(id);
      }
    }
    if (needWallet.size > 0) {
      const cash = toDbString(startingCashKrw);
      const created = await insertWallets(client, [...needWallet].map((userId) => ({ userId, balanceKrw: cash })));
      for (const userId of created) w.legs(newId(), null, startingCashLegs(userId, startingCashKrw));
    }
    return alias;
  }

  /**
   * Settle `messages`. `locked`: inside the open transaction, wallets locked, players
   * registered; else one unlocked read and one guarded write (throws {@link NeedsRegistration}
   * before writing anything when a player is missing). `forced` fails every order with that code.
   */
  private async apply(
    client: PoolClient,
    messages: readonly OrderMessage[],
    poison: readonly PoisonItem[],
    loaded: Promise<Loaded>,
    forced: ErrorCode | null,
    locked: boolean,
  ): Promise<Applied> {
    const w = new BatchWriter();
    const outcomes: Outcome[] = [];

    // Read (and register) while the prices are still on their way from Redis — or, unlocked,
    // take the players' state as last committed when all of it is remembered.
    let read:
      | {
          /** What the batch settles from: its positions only those its orders name. */
          state: BatchState;
          /** As read (every position of its players, for the cache) or as remembered. */
          full: BatchState;
          keys: BatchStateKeys;
          alias: ReadonlyMap<string, string>;
          params: SettlementParams;
          remembered: boolean;
        }
      | undefined;
    if (messages.length > 0) {
      const keysOf = (alias: ReadonlyMap<string, string>) => {
        const idOf = (m: OrderMessage) => alias.get(m.user_id) ?? m.user_id;
        return {
          userIds: [...new Set(messages.map(idOf))].sort(),
          orderIds: messages.map((m) => m.order_id),
          tickerIds: [...new Set(messages.map((m) => m.ticker_id))],
          positions: messages.map((m) => ({ userId: idOf(m), tickerId: m.ticker_id })),
        };
      };
      let alias: ReadonlyMap<string, string> = new Map();
      let keys = keysOf(alias);
      const remembered = locked ? undefined : this.stateCache?.get(keys);
      let state = remembered ?? (await lockBatchState(client, keys, { lock: locked }));
      const params = this.effectiveParams(state.settings);
      const withWallet = new Set(state.accounts.map((a) => a.user_id));
      const missing = [...new Set(messages.map((m) => m.user_id))].filter((id) => !withWallet.has(id));
      if (missing.length > 0) {
        if (!locked) throw new NeedsRegistration();
        alias = await this.registerPlayers(client, messages, missing, w, params.startingCashKrw);
        keys = keysOf(alias);
        state = await lockBatchState(client, keys, { lock: locked });
      }
      // Remembered state holds only the asked positions already; a read holds all the players'.
      const fromMemory = state === remembered;
      read = { state: fromMemory ? state : withAskedPositions(state, keys), full: state, keys, alias, params, remembered: fromMemory };
    }
    const { market, now } = await loaded;
    const occurredAt = now.toISOString();

    for (const p of poison) {
      const data: OperatorAlertData = {
        severity: 'warning',
        component: 'engine',
        message: `order message dead-lettered to orders.dead: ${p.reason}`,
        details: { reason: p.reason, body: p.body.slice(0, 2_000), delivery_count: p.deliveryCount },
      };
      w.events.push({ id: uuidV5(`poison:${p.body}`, EVENT_NAMESPACE), type: 'operator_alert', occurred_at: occurredAt, data: { ...data } });
    }

    if (read) {
      const { state, alias, params } = read;
      const players = new Map<string, Player>();
      for (const a of state.accounts) {
        players.set(a.user_id, { id: a.user_id, username: a.username, nickname: a.nickname });
        w.wallets.set(a.user_id, { balanceKrw: fromDb(a.balance_krw), reservedKrw: fromDb(a.reserved_krw), suspended: a.is_suspended });
        w.readWallets.set(a.user_id, { balanceKrw: a.balance_krw, reservedKrw: a.reserved_krw });
      }
      const done = new Set(state.existingOrderIds);
      const instruments = new Map<string, Instrument>(
        state.instruments.map((r) => [r.id, { tickerId: r.id, market: r.market, currency: r.currency, active: r.active }]),
      );
      for (const r of state.positions) {
        const key = posKey(r.user_id, r.ticker_id);
        w.readPositions.set(key, { id: r.id, quantity: r.quantity, averagePrice: r.average_price, averageCostKrw: r.average_cost_krw, realizedPnlKrw: r.realized_pnl_krw });
        w.positions.set(key, {
          quantity: fromDb(r.quantity),
          reservedQuantity: fromDb(r.reserved_quantity),
          averagePrice: fromDb(r.average_price),
          averageCostKrw: fromDb(r.average_cost_krw),
          realizedPnlKrw: fromDb(r.realized_pnl_krw),
          currency: r.currency,
        });
      }

      for (const m of messages) {
        if (done.has(m.order_id)) {
          outcomes.push({ kind: 'duplicate', orderId: m.order_id });
          continue;
        }
        done.add(m.order_id);
        const player = players.get(alias.get(m.user_id) ?? m.user_id);
        outcomes.push(this.settleOne(m, player, instruments.get(m.ticker_id) ?? null, market, now, forced, w, params));
      }
    }

    const positions = [...w.touchedPositions].map((key): [string, PositionWrite] => {
      const [userId = '', tickerId = ''] = key.split('|');
      const p = w.positions.get(key) ?? emptyPosition('KRW');
      return [
        key,
        {
          userId,
          tickerId,
          quantity: toDbString(p.quantity),
          averagePrice: toDbString(p.averagePrice),
          averageCostKrw: toDbString(p.averageCostKrw),
          realizedPnlKrw: toDbString(p.realizedPnlKrw),
          currency: p.currency,
        },
      ];
    });
    // Guarded (see writeBatch): an order recorded since our read (SQLSTATE 23505 on orders_pkey),
    // or a wallet or position changed since (40001), makes the write fail whole — transient
    // (retried) in the locked path, a fall back to the locked path in the unlocked one.
    const wallets = [...w.touchedWallets].map((userId) => ({
      userId,
      balanceKrw: toDbString(w.wallets.get(userId)?.balanceKrw ?? ZERO),
      previous: w.readWallets.get(userId) ?? unreachable(`wallet ${userId} was written but not read`),
    }));
    const written = await writeBatch(client, {
      orders: w.orders,
      ledger: w.ledger,
      positionUpdates: positions.flatMap(([k, p]) => {
        const read = w.readPositions.get(k);
        return read ? [{ ...p, id: read.id, previous: read }] : [];
      }),
      positionInserts: positions.filter(([k]) => !w.readPositions.has(k)).map(([, p]) => p),
      wallets,
      outbox: w.events,
      readChecks: locked || read === undefined ? null : readChecksOf(read.state, read.keys, w),
    });
    // Null: every event was inserted (none was already there).
    const inserted = written.outboxInserted === null ? null : new Set(written.outboxInserted);
    const committed: CommittedState | null =
      read === undefined
        ? null
        : {
            keys: read.keys,
            read: read.full,
            remembered: read.remembered,
            wallets,
            positions: positions.map(([, p]) => p),
            opened: written.positionsInserted,
          };
    return { outcomes, events: inserted === null ? w.events : w.events.filter((e) => inserted.has(e.id)), committed };
  }

  /**
   * Record `m` as failed with `code`: its FAILED order row (`row`, null for an unknown player,
   * whom no row can reference) and its `order_failed` event. (A method, not closures in
   * {@link settleOne}: under tsx, a named closure costs ~0.4 µs to create, per order.)
   */
  private failed(m: OrderMessage, w: BatchWriter, occurredAt: string, row: OrderRow | null, code: string, message: string): Outcome {
    if (row !== null) w.orders.push({ ...row, failReason: code });
    const data = {
      order_id: m.order_id,
      user_id: row?.userId ?? m.user_id,
      ticker_id: m.ticker_id,
      side: m.side,
      reason: code,
      message,
      source: m.source,
    } satisfies OrderFailedData;
    // Without an order row (unknown user) a redelivery emits again: a deterministic id lets it dedupe.
    const id = row === null ? orderEventId(m.order_id, 'order_failed') : newId();
    w.events.push({ id, type: 'order_failed', occurred_at: occurredAt, data });
    return { kind: 'failed', orderId: m.order_id, reason: code };
  }

  private settleOne(
    m: OrderMessage,
    player: Player | undefined,
    instrument: Instrument | null,
    market: MarketData,
    now: Date,
    forced: ErrorCode | null,
    w: BatchWriter,
    params: SettlementParams,
  ): Outcome {
    const occurredAt = now.toISOString();
    const account = player ? w.wallets.get(player.id) : undefined;
    if (!player || !account) {
      // No row can reference an unknown user: the failure lives in the outbox only.
      return this.failed(m, w, occurredAt, null, ErrorCode.UNKNOWN_USER, 'unknown player; send the order with the player\'s Discord identity to register them');
    }
    const userId = player.id;
    const terms = orderTermsOf(m);
    const row: OrderRow = {
      id: m.order_id,
      userId,
      tickerId: m.ticker_id,
      side: m.side,
      type: m.type,
      status: 'FAILED',
      quantity: terms.ok && terms.value.size.kind === 'quantity' ? toDbString(terms.value.size.quantity) : null,
      notionalKrw: terms.ok && terms.value.size.kind === 'notional' ? toDbString(terms.value.size.notionalKrw) : null,
      limitPrice: terms.ok ? dbOrNull(terms.value.limitPrice) : null,
      stopPrice: terms.ok ? dbOrNull(terms.value.stopPrice) : null,
      trail: terms.ok ? dbOrNull(terms.value.trail) : null,
      price: null,
      filledQuantity: null,
      filledNotionalKrw: null,
      fee: null,
      realizedPnl: null,
      appliedExchangeRate: null,
      failReason: null,
      source: m.source,
      placedAt: m.placed_at,
      filledAt: null,
    };
    if (forced !== null) return this.failed(m, w, occurredAt, row, forced, 'the order could not be settled; nothing was charged');
    if (!terms.ok) return this.failed(m, w, occurredAt, row, terms.error.code, terms.error.message);

    const order: SettleOrder = {
      orderId: m.order_id,
      userId,
      tickerId: m.ticker_id,
      side: m.side,
      type: m.type,
      size: terms.value.size,
      limitPrice: terms.value.limitPrice,
    };
    const key = posKey(userId, m.ticker_id);
    const result = settle(order, market.quotes.get(m.ticker_id) ?? null, market.fx, account, w.positions.get(key) ?? null, {
      now,
      instrument,
      marketOpen: instrument !== null && this.calendar.isOpen(instrument.market, this.marketClock.now()),
      feeRate: params.feeRate,
      priceStaleMs: params.priceStaleMs,
      fxStaleMs: params.fxStaleMs,
      whaleThresholdKrw: params.whaleThresholdKrw,
    });
    if (!result.ok) return this.failed(m, w, occurredAt, row, result.error.code, result.error.message);

    const fill = result.value;
    w.wallets.set(userId, fill.account);
    w.touchedWallets.add(userId);
    w.positions.set(key, fill.position);
    w.touchedPositions.add(key);
    w.legs(m.order_id, m.order_id, fill.legs);
    w.orders.push({
      ...row,
      status: 'FILLED',
      quantity: row.quantity ?? (terms.value.size.kind === 'all' ? toDbString(fill.quantity) : null),
      price: toDbString(fill.price),
      filledQuantity: toDbString(fill.quantity),
      filledNotionalKrw: toDbString(fill.notionalKrw),
      fee: toDbString(fill.feeKrw),
      realizedPnl: toDbString(fill.realizedPnlKrw),
      appliedExchangeRate: dbOrNull(fill.appliedExchangeRate),
      filledAt: occurredAt,
    });
    const filled: OrderFilledData = {
      order_id: m.order_id,
      user_id: userId,
      ticker_id: m.ticker_id,
      side: m.side,
      quantity: toJsonString(fill.quantity),
      price: toJsonString(fill.price),
      currency: fill.currency,
      notional_krw: toJsonString(fill.notionalKrw),
      fee_krw: toJsonString(fill.feeKrw),
      realized_pnl_krw: toJsonString(fill.realizedPnlKrw),
      applied_exchange_rate: fill.appliedExchangeRate === null ? null : toJsonString(fill.appliedExchangeRate),
      balance_krw: toJsonString(fill.account.balanceKrw),
      source: m.source,
    };
    w.events.push({ id: newId(), type: 'order_filled', occurred_at: occurredAt, data: { ...filled } });
    if (fill.whale) {
      const whale: WhaleTradeData = {
        order_id: m.order_id,
        user_id: userId,
        nickname: player.nickname ?? player.username,
        ticker_id: m.ticker_id,
        side: m.side,
        quantity: toJsonString(fill.quantity),
        price: toJsonString(fill.price),
        notional_krw: toJsonString(fill.notionalKrw),
      };
      w.events.push({ id: newId(), type: 'whale_trade', occurred_at: occurredAt, data: { ...whale } });
    }
    return { kind: 'filled', orderId: m.order_id };
  }
}

/** Settlement parameters from the parsed configuration. */
export function settlementParamsOf(config: {
  STARTING_CASH_KRW: { toFixed(): string };
  TRADING_FEE_RATE: { toFixed(): string };
  WHALE_ALERT_THRESHOLD_KRW: { toFixed(): string };
  PRICE_STALE_MS: number;
  FX_STALE_MS: number;
}): SettlementParams {
  return {
    startingCashKrw: new Decimal(config.STARTING_CASH_KRW.toFixed()),
    feeRate: new Decimal(config.TRADING_FEE_RATE.toFixed()),
    whaleThresholdKrw: new Decimal(config.WHALE_ALERT_THRESHOLD_KRW.toFixed()),
    priceStaleMs: config.PRICE_STALE_MS,
    fxStaleMs: config.FX_STALE_MS,
  };
}
