/**
 * What the engine last read or committed of the rows a batch reads: players' wallets and user
 * flags, all their positions (a read returns every position of its players, so a ticker a
 * remembered player has not traded is known not held, and their first order in it needs no
 * read either), instruments and operator settings — so a batch of players seen recently
 * settles with one statement (the guarded write) instead of a read and a write (issue 4: every
 * round trip costs the engine and PostgreSQL a wake-up).
 *
 * It is never trusted: a batch computed from remembered state is written with `readChecks`
 * (see `writeBatch`), which refuses the whole write (SQLSTATE 40001, or 23505 for an order
 * already recorded) if anything the batch used changed meanwhile — an api cash adjustment, a
 * suspension, a rename, a delisting, a new setting, a position opened elsewhere, an order
 * already recorded. The engine then forgets the batch's players and settles it again on the
 * locked path, so results are exactly those of a fresh read.
 *
 * Memory: at most `maxPlayers` players (default 100,000), least recently used dropped first.
 * Instruments are remembered only when they exist; settings once read. The engine's batches
 * never hold one player twice at the same time (see `platform/amqp/batcher.ts`), so a
 * player's entry is updated by one batch at a time.
 */
import type {
  BatchState,
  InstrumentRow,
  InsertedPosition,
  LockedAccountRow,
  PositionRow,
  PositionWrite,
  WalletWrite,
} from '../platform/db/settlement.repository.js';

/** The keys of a batch's read (`lockBatchState`'s keys without the order ids). */
export interface BatchStateKeys {
  userIds: readonly string[];
  tickerIds: readonly string[];
  positions: readonly { userId: string; tickerId: string }[];
}

interface PlayerEntry {
  account: LockedAccountRow;
  /** ticker id → the position (every position the player holds, when `complete`). */
  positions: Map<string, PositionRow>;
  /**
   * Whether `positions` is all the player holds, as a read returns it: a ticker not in it is
   * then known to be held by no position. False after the engine opened a position whose id
   * it did not learn (that ticker is then read again).
   */
  complete: boolean;
}

/** A batch's state after its write: what it read and what `writeBatch` wrote (8-dp strings). */
export interface CommittedState {
  keys: BatchStateKeys;
  /** The state as read (or remembered). */
  read: BatchState;
  /** Whether `read` came from {@link BatchStateCache.get} (then only the changes are applied). */
  remembered: boolean;
  /** The wallets the batch wrote. */
  wallets: readonly WalletWrite[];
  /** The positions the batch wrote, updated and opened (opened ones get their ids from `opened`). */
  positions: readonly PositionWrite[];
  /** Positions the write opened, with their ids. */
  opened: readonly InsertedPosition[];
}

const keyOf = (userId: string, tickerId: string) => `${userId}|${tickerId}`;

/** See the module comment. */
export class BatchStateCache {
  private readonly players = new Map<string, PlayerEntry>();
  private readonly instruments = new Map<string, InstrumentRow>();
  private settings: Record<string, string> | undefined;
  /** Batches served from memory / read from the database (health and benchmarks). */
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly maxPlayers = 100_000) {}

  /** The remembered state of `keys`, or undefined when any part of it is not remembered. */
  get(keys: BatchStateKeys): BatchState | undefined {
    const miss = () => {
      this.stats.misses += 1;
      return undefined;
    };
    if (this.settings === undefined) return miss();
    const accounts: LockedAccountRow[] = [];
    for (const id of keys.userIds) {
      const p = this.players.get(id);
      if (!p) return miss();
      accounts.push(p.account);
    }
    const instruments: InstrumentRow[] = [];
    for (const t of keys.tickerIds) {
      const i = this.instruments.get(t);
      if (!i) return miss();
      instruments.push(i);
    }
    const positions: PositionRow[] = [];
    const seen = new Set<string>();
    for (const k of keys.positions) {
      const p = this.players.get(k.userId);
      const row = p?.positions.get(k.tickerId);
      if (row === undefined) {
        if (!p?.complete) return miss();
        continue; // known not held
      }
      if (!seen.has(row.id)) {
        seen.add(row.id);
        positions.push(row);
      }
    }
    for (const id of keys.userIds) this.touch(id);
    this.stats.hits += 1;
    return { accounts, existingOrderIds: [], instruments, positions, settings: this.settings };
  }

  /**
   * Remember a state read from the database (before anything is written from it): its
   * `positions` are every position its players hold (`lockBatchState` reads them all).
   */
  remember(state: BatchState): void {
    this.settings = { ...state.settings };
    for (const i of state.instruments) this.instruments.set(i.id, i);
    const held = new Map<string, Map<string, PositionRow>>();
    for (const p of state.positions) {
      let m = held.get(p.user_id);
      if (!m) held.set(p.user_id, (m = new Map<string, PositionRow>()));
      m.set(p.ticker_id, p);
    }
    for (const a of state.accounts) {
      this.players.delete(a.user_id); // re-inserted last: the most recently used
      this.players.set(a.user_id, { account: a, positions: held.get(a.user_id) ?? new Map<string, PositionRow>(), complete: true });
    }
    this.evict();
  }

  /** Remember what a batch committed: its read state with the new balances and positions. */
  committed(c: CommittedState): void {
    if (!c.remembered) this.remember(c.read);
    for (const w of c.wallets) {
      const p = this.players.get(w.userId);
      if (p) p.account = { ...p.account, balance_krw: w.balanceKrw };
    }
    const opened = new Map<string, string>(c.opened.map((o) => [keyOf(o.user_id, o.ticker_id), o.id]));
    for (const w of c.positions) {
      const player = this.players.get(w.userId);
      if (!player) continue;
      const held = player.positions;
      const before = held.get(w.tickerId);
      const id = before?.id ?? opened.get(keyOf(w.userId, w.tickerId));
      if (id === undefined) {
        // Opened but its id unknown (another writer opened it first): read it next time.
        held.delete(w.tickerId);
        player.complete = false;
        continue;
      }
      held.set(w.tickerId, {
        id,
        user_id: w.userId,
        ticker_id: w.tickerId,
        quantity: w.quantity,
        reserved_quantity: before?.reserved_quantity ?? '0.00000000',
        average_price: w.averagePrice,
        average_cost_krw: w.averageCostKrw,
        realized_pnl_krw: w.realizedPnlKrw,
        currency: w.currency as PositionRow['currency'],
      });
    }
  }

  /** Forget players (their next batch reads them from the database). */
  forget(userIds: Iterable<string>): void {
    for (const id of userIds) this.players.delete(id);
  }

  /** Players remembered. */
  get size(): number {
    return this.players.size;
  }

  private touch(id: string): void {
    const p = this.players.get(id);
    if (!p) return;
    this.players.delete(id);
    this.players.set(id, p);
  }

  private evict(): void {
    for (const id of this.players.keys()) {
      if (this.players.size <= this.maxPlayers) return;
      this.players.delete(id);
    }
  }
}
