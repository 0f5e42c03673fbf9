/**
 * Users as the api sees them: login lookups, accounts created by the api (the initial
 * admin, accounts made by an admin, Discord OAuth logins), admin search, suspension and
 * cash adjustments.
 *
 * A new account gets a wallet with the starting cash in the same transaction, minted
 * through the ledger exactly as the engine registers a Discord player
 * (`system:mint → user:<id>`, kind `STARTING_CASH`), so every user the api can log in
 * can trade. A Discord user's id is always `playerIdOf(discord user id)` (core/order-message),
 * whichever path registers them first.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { AppError, ErrorCode, err, ok } from '../../core/errors.js';
import type { Result } from '../../core/errors.js';
import { fromDb, toDbString, toJsonString } from '../../core/money.js';
import type { Decimal } from '../../core/money.js';
import { startingCashLegs } from '../../core/settle.js';
import type { Role } from '../../platform/auth/token.service.js';
import type { AuditRepository } from '../admin/audit.repository.js';
import type { SettingsRepository } from '../admin/settings.repository.js';
import { exec, isUniqueViolation, row, rows } from '../sql.js';
import { newId } from '../../core/ids.js';

export interface UserRecord {
  id: string;
  username: string;
  nickname: string | null;
  role: Role;
  discord_user_id: string | null;
  password_hash: string | null;
  is_suspended: boolean;
  is_bankrupt: boolean;
  bankruptcy_count: number;
  created_at: Date;
}

/** A user as admins list them (no password hash), with cash. */
export interface UserSummary {
  id: string;
  username: string;
  nickname: string | null;
  role: Role;
  discord_user_id: string | null;
  is_suspended: boolean;
  is_bankrupt: boolean;
  bankruptcy_count: number;
  balance_krw: string | null;
  reserved_krw: string | null;
  created_at: string;
}

export interface NewAccount {
  username: string;
  nickname?: string | null;
  passwordHash?: string | null;
  role: Role;
  discordUserId?: string | null;
  /** Fixed id (Discord players: `playerIdOf`); default a new time-ordered id (`newId`, UUID v7). */
  id?: string;
}

const USER_COLUMNS = 'id, username, nickname, role, discord_user_id, password_hash, is_suspended, is_bankrupt, bankruptcy_count, created_at';

/** A {@link UserSummary} as the driver returns it (`created_at` a Date). */
type SummaryRow = Omit<UserSummary, 'created_at'> & { created_at: Date };

function summary(r: SummaryRow): UserSummary {
  return {
    id: r.id,
    username: r.username,
    nickname: r.nickname,
    role: r.role,
    discord_user_id: r.discord_user_id,
    is_suspended: r.is_suspended,
    is_bankrupt: r.is_bankrupt,
    bankruptcy_count: r.bankruptcy_count,
    balance_krw: r.balance_krw === null ? null : toJsonString(fromDb(r.balance_krw)),
    reserved_krw: r.reserved_krw === null ? null : toJsonString(fromDb(r.reserved_krw)),
    created_at: r.created_at.toISOString(),
  };
}

const SUMMARY_SELECT = `SELECT u.id, u.username, u.nickname, u.role, u.discord_user_id, u.is_suspended, u.is_bankrupt,
        u.bankruptcy_count, w.balance_krw, w.reserved_krw, u.created_at
   FROM users u LEFT JOIN wallets w ON w.user_id = u.id`;

export class UserRepository {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly settings: SettingsRepository,
    private readonly audit: AuditRepository,
  ) {}

  findById(id: string): Promise<UserRecord | null> {
    return row<UserRecord>(this.sequelize, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
  }

  /** Case-insensitive, as the unique index `users_username_lower_key`. */
  findByUsername(username: string): Promise<UserRecord | null> {
    return row<UserRecord>(this.sequelize, `SELECT ${USER_COLUMNS} FROM users WHERE lower(username) = lower($1)`, [username]);
  }

  findByDiscordId(discordUserId: string): Promise<UserRecord | null> {
    return row<UserRecord>(this.sequelize, `SELECT ${USER_COLUMNS} FROM users WHERE discord_user_id = $1`, [discordUserId]);
  }

  /**
   * Create a user with a wallet holding the starting cash (one transaction).
   * @returns `CONFLICT` when the username (case-insensitive) or Discord id is taken.
   */
  async create(account: NewAccount): Promise<Result<UserRecord>> {
    const id = account.id ?? newId();
    try {
      const created = await this.sequelize.transaction(async (transaction) => {
        const inserted = await rows<UserRecord>(
          this.sequelize,
          `INSERT INTO users (id, username, nickname, role, password_hash, discord_user_id)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${USER_COLUMNS}`,
          [id, account.username, account.nickname ?? null, account.role, account.passwordHash ?? null, account.discordUserId ?? null],
          transaction,
        );
        const user = inserted[0];
        if (user === undefined) throw new AppError(ErrorCode.INTERNAL, 'user insert returned no row');
        await this.mintWallet(user.id, transaction);
        return user;
      });
      return ok(created);
    } catch (error) {
      if (isUniqueViolation(error)) return err(ErrorCode.CONFLICT, `the username "${account.username}" or Discord account is already registered`);
      throw error;
    }
  }

  /** Wallet with starting cash (`system:mint → user`), in the caller's transaction. */
  private async mintWallet(userId: string, transaction: Transaction): Promise<void> {
    const cash = await this.settings.get('starting_cash_krw', transaction);
    await exec(this.sequelize, 'INSERT INTO wallets (user_id, balance_krw) VALUES ($1, $2)', [userId, toDbString(cash)], transaction);
    const txnId = newId();
    for (const leg of startingCashLegs(userId, cash)) {
      await exec(
        this.sequelize,
        'INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind, memo) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [txnId, leg.account, leg.userId, leg.asset, toDbString(leg.amount), leg.kind, 'account created by the api'],
        transaction,
      );
    }
  }

  /** Give a password login to an existing user, or (re)set it. */
  async setPassword(userId: string, passwordHash: string, role?: Role): Promise<void> {
    await exec(
      this.sequelize,
      'UPDATE users SET password_hash = $2, role = COALESCE($3, role), updated_at = now() WHERE id = $1',
      [userId, passwordHash, role ?? null],
    );
  }

  /** Admin search: by id, username or nickname (substring, case-insensitive) or Discord id. Newest first. */
  async search(filter: { q?: string; suspended?: boolean; limit: number; offset: number }): Promise<UserSummary[]> {
    const q = filter.q?.trim() ?? '';
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const found = await rows<SummaryRow>(
      this.sequelize,
      `${SUMMARY_SELECT}
        WHERE ($1 = '' OR u.id::text = lower($1) OR u.discord_user_id = $1 OR u.username ILIKE $2 OR u.nickname ILIKE $2)
          AND ($3::boolean IS NULL OR u.is_suspended = $3)
        ORDER BY u.created_at DESC, u.id
        LIMIT $4 OFFSET $5`,
      [q, pattern, filter.suspended ?? null, filter.limit, filter.offset],
    );
    return found.map(summary);
  }

  async summaryOf(id: string): Promise<UserSummary | null> {
    const r = await row<SummaryRow>(this.sequelize, `${SUMMARY_SELECT} WHERE u.id = $1`, [id]);
    return r === null ? null : summary(r);
  }

  /** Suspend or reinstate, with an audit row, in one transaction. */
  async setSuspended(
    id: string,
    suspended: boolean,
    by: { actorUserId: string; reason: string; requestId: string },
  ): Promise<Result<UserSummary>> {
    const changed = await this.sequelize.transaction(async (transaction) => {
      const updated = await rows<{ id: string }>(
        this.sequelize,
        'UPDATE users SET is_suspended = $2, updated_at = now() WHERE id = $1 RETURNING id',
        [id, suspended],
        transaction,
      );
      if (updated.length === 0) return false;
      await this.audit.write(
        {
          actorUserId: by.actorUserId,
          action: suspended ? 'user.suspend' : 'user.reinstate',
          targetType: 'user',
          targetId: id,
          reason: by.reason,
          details: { is_suspended: suspended },
          requestId: by.requestId,
        },
        transaction,
      );
      return true;
    });
    if (!changed) return err(ErrorCode.NOT_FOUND, 'no such user');
    const after = await this.summaryOf(id);
    return after === null ? err(ErrorCode.NOT_FOUND, 'no such user') : ok(after);
  }

  /**
   * Add `amountKrw` (negative to take away) to a player's cash, through the ledger
   * (`system:adjustment ↔ user:<id>`, kind `ADJUSTMENT`, the reason as memo), with an audit
   * row, in one transaction that locks the wallet as the engine does.
   * @returns `NOT_FOUND` (no such user or wallet) or `INSUFFICIENT_FUNDS` (the cash would
   *   fall below zero or below what pending orders reserve).
   */
  async adjustCash(
    id: string,
    amountKrw: Decimal,
    by: { actorUserId: string; reason: string; requestId: string },
  ): Promise<Result<{ user: UserSummary; balance_before_krw: string; balance_after_krw: string; ledger_txn_id: string }>> {
    const outcome = await this.sequelize.transaction(async (transaction): Promise<Result<{ before: Decimal; after: Decimal; txnId: string }>> => {
      const wallet = await row<{ balance_krw: string; reserved_krw: string }>(
        this.sequelize,
        'SELECT balance_krw, reserved_krw FROM wallets WHERE user_id = $1 FOR UPDATE',
        [id],
        transaction,
      );
      if (wallet === null) return err(ErrorCode.NOT_FOUND, 'no such user, or the user has no wallet yet');
      const before = fromDb(wallet.balance_krw);
      const after = before.plus(amountKrw);
      if (after.lt(fromDb(wallet.reserved_krw)) || after.isNegative()) {
        return err(ErrorCode.INSUFFICIENT_FUNDS, `the adjustment would leave ${toJsonString(after)} KRW, below zero or below the cash reserved by pending orders`, {
          balance_krw: toJsonString(before),
          reserved_krw: toJsonString(fromDb(wallet.reserved_krw)),
        });
      }
      if (after.gte('1000000000000')) return err(ErrorCode.INVALID_AMOUNT, 'the adjustment would exceed the largest storable balance');
      await exec(this.sequelize, 'UPDATE wallets SET balance_krw = $2, last_updated = now() WHERE user_id = $1', [id, toDbString(after)], transaction);
      const txnId = newId();
      const legs: [string, string | null, Decimal][] = [
        ['system:adjustment', null, amountKrw.negated()],
        [`user:${id}`, id, amountKrw],
      ];
      for (const [account, userId, amount] of legs) {
        await exec(
          this.sequelize,
          `INSERT INTO ledger_entries (txn_id, account, user_id, asset, amount, kind, memo) VALUES ($1, $2, $3, 'KRW', $4, 'ADJUSTMENT', $5)`,
          [txnId, account, userId, toDbString(amount), by.reason],
          transaction,
        );
      }
      await this.audit.write(
        {
          actorUserId: by.actorUserId,
          action: 'user.cash_adjustment',
          targetType: 'user',
          targetId: id,
          reason: by.reason,
          details: { amount_krw: toJsonString(amountKrw), balance_before_krw: toJsonString(before), balance_after_krw: toJsonString(after), ledger_txn_id: txnId },
          requestId: by.requestId,
        },
        transaction,
      );
      return ok({ before, after, txnId });
    });
    if (!outcome.ok) return outcome;
    const user = await this.summaryOf(id);
    if (user === null) return err(ErrorCode.NOT_FOUND, 'no such user');
    return ok({
      user,
      balance_before_krw: toJsonString(outcome.value.before),
      balance_after_krw: toJsonString(outcome.value.after),
      ledger_txn_id: outcome.value.txnId,
    });
  }
}
