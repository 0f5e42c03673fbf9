/**
 * The whole schema of SPEC.md §3, with the constraints that protect money.
 *
 * Money and quantities are NUMERIC(20,8) (SPEC §2). The ledger is append-only and every
 * ledger transaction (`txn_id`) must sum to zero per asset: a deferred constraint trigger
 * checks it at commit, so no code path can write an unbalanced movement.
 */
import type { MigrationFn } from './types.js';

const MONEY = 'NUMERIC(20,8)';

export const up: MigrationFn = async ({ sql }) => {
  await sql(`
    CREATE TABLE users (
      id               UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      discord_user_id  TEXT UNIQUE CHECK (discord_user_id ~ '^[0-9]{1,25}$'),
      username         TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
      nickname         TEXT CHECK (nickname IS NULL OR length(nickname) BETWEEN 1 AND 64),
      role             TEXT NOT NULL DEFAULT 'USER' CHECK (role IN ('ADMIN', 'USER')),
      password_hash    TEXT,
      is_bankrupt      BOOLEAN NOT NULL DEFAULT false,
      bankruptcy_count INTEGER NOT NULL DEFAULT 0 CHECK (bankruptcy_count >= 0),
      bailout_count    INTEGER NOT NULL DEFAULT 0 CHECK (bailout_count >= 0),
      is_suspended     BOOLEAN NOT NULL DEFAULT false,
      created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));

    CREATE TABLE wallets (
      user_id       UUID PRIMARY KEY REFERENCES users(id) ON DELETE RESTRICT,
      balance_krw   ${MONEY} NOT NULL CHECK (balance_krw >= 0),
      reserved_krw  ${MONEY} NOT NULL DEFAULT 0 CHECK (reserved_krw >= 0),
      last_updated  TIMESTAMPTZ NOT NULL DEFAULT now()
    );

    CREATE TABLE tickers (
      id          TEXT PRIMARY KEY CHECK (id ~ '^(KRX-STOCK-[A-Z0-9]{6}|US-STOCK-[A-Z0-9.]{1,10}|CRYPTO-COIN-[A-Z0-9]{1,12}|HUMAN-ETF-[A-Z0-9]{2,12})$'),
      market      TEXT NOT NULL CHECK (market IN ('KRX', 'US', 'CRYPTO', 'HUMAN')),
      type        TEXT NOT NULL CHECK (type IN ('STOCK', 'COIN', 'ETF')),
      symbol      TEXT NOT NULL,
      name_ko     TEXT NOT NULL,
      name_en     TEXT NOT NULL,
      currency    TEXT NOT NULL CHECK (currency IN ('KRW', 'USD', 'KRW-COIN')),
      aliases     TEXT[] NOT NULL DEFAULT '{}',
      active      BOOLEAN NOT NULL DEFAULT true,
      created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE (market, symbol),
      CHECK (id = market || '-' || type || '-' || symbol)
    );

    CREATE TABLE portfolios (
      id                 BIGSERIAL PRIMARY KEY,
      user_id            UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      ticker_id          TEXT NOT NULL REFERENCES tickers(id) ON DELETE RESTRICT,
      quantity           ${MONEY} NOT NULL,
      reserved_quantity  ${MONEY} NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
      average_price      ${MONEY} NOT NULL DEFAULT 0 CHECK (average_price >= 0),
      average_cost_krw   ${MONEY} NOT NULL DEFAULT 0 CHECK (average_cost_krw >= 0),
      realized_pnl_krw   ${MONEY} NOT NULL DEFAULT 0,
      currency           TEXT NOT NULL CHECK (currency IN ('KRW', 'USD', 'KRW-COIN')),
      created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE (user_id, ticker_id)
    );
    CREATE INDEX portfolios_ticker_idx ON portfolios (ticker_id) WHERE quantity <> 0;

    CREATE TABLE orders (
      id                     UUID PRIMARY KEY,
      user_id                UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      ticker_id              TEXT NOT NULL CHECK (length(ticker_id) <= 64),
      side                   TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
      type                   TEXT NOT NULL CHECK (type IN ('MARKET', 'LIMIT', 'STOP_LOSS', 'TAKE_PROFIT', 'STOP_LIMIT', 'TRAILING_STOP')),
      status                 TEXT NOT NULL CHECK (status IN ('PENDING', 'FILLED', 'CANCELLED', 'FAILED')),
      quantity               ${MONEY} CHECK (quantity > 0),
      notional_krw           ${MONEY} CHECK (notional_krw > 0),
      limit_price            ${MONEY} CHECK (limit_price > 0),
      stop_price             ${MONEY} CHECK (stop_price > 0),
      trail                  ${MONEY} CHECK (trail > 0),
      oco_group_id           UUID,
      reserved_krw           ${MONEY} NOT NULL DEFAULT 0 CHECK (reserved_krw >= 0),
      reserved_quantity      ${MONEY} NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
      price                  ${MONEY} CHECK (price > 0),
      filled_quantity        ${MONEY} CHECK (filled_quantity > 0),
      filled_notional_krw    ${MONEY} CHECK (filled_notional_krw >= 0),
      fee                    ${MONEY} CHECK (fee >= 0),
      realized_pnl           ${MONEY},
      applied_exchange_rate  ${MONEY} CHECK (applied_exchange_rate > 0),
      fail_reason            TEXT,
      source                 TEXT NOT NULL CHECK (source IN ('discord', 'api', 'admin', 'bot')),
      placed_at              TIMESTAMPTZ,
      created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
      filled_at              TIMESTAMPTZ,
      CHECK (status <> 'FAILED' OR fail_reason IS NOT NULL),
      CHECK (status <> 'FILLED' OR (price IS NOT NULL AND filled_quantity IS NOT NULL AND fee IS NOT NULL AND filled_at IS NOT NULL)),
      CHECK (status = 'FAILED' OR quantity IS NOT NULL OR notional_krw IS NOT NULL)
    );
    CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC);
    CREATE INDEX orders_pending_idx ON orders (ticker_id) WHERE status = 'PENDING';
    CREATE INDEX orders_filled_at_idx ON orders (filled_at) WHERE status = 'FILLED';

    -- Double-entry ledger. account: 'user:<uuid>', 'house:fees', 'market:<ticker>',
    -- 'system:mint', 'system:ipo_burn', 'system:bailout_fund'. asset: 'KRW' or a ticker id.
    CREATE TABLE ledger_entries (
      id          BIGSERIAL PRIMARY KEY,
      txn_id      UUID NOT NULL,
      account     TEXT NOT NULL CHECK (account ~ '^(user:[0-9a-f-]{36}|house:fees|market:[A-Z0-9.-]{1,64}|system:[a-z_]{1,32})$'),
      user_id     UUID REFERENCES users(id) ON DELETE RESTRICT,
      asset       TEXT NOT NULL CHECK (asset = 'KRW' OR asset ~ '^[A-Z]+-[A-Z]+-[A-Z0-9.]+$'),
      amount      ${MONEY} NOT NULL CHECK (amount <> 0),
      kind        TEXT NOT NULL CHECK (kind IN ('STARTING_CASH', 'TRADE', 'FEE', 'IPO_FEE', 'IPO_SHARES', 'DIVIDEND', 'BAILOUT', 'ADJUSTMENT', 'LIQUIDATION', 'SEASON_RESET')),
      order_id    UUID REFERENCES orders(id) ON DELETE RESTRICT,
      memo        TEXT,
      created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
      CHECK ((account LIKE 'user:%') = (user_id IS NOT NULL)),
      CHECK (user_id IS NULL OR account = 'user:' || user_id::text)
    );
    CREATE INDEX ledger_txn_idx ON ledger_entries (txn_id, asset);
    CREATE INDEX ledger_user_idx ON ledger_entries (user_id, asset) WHERE user_id IS NOT NULL;
    CREATE INDEX ledger_order_idx ON ledger_entries (order_id) WHERE order_id IS NOT NULL;

    CREATE FUNCTION ledger_txn_balanced() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE total NUMERIC;
    BEGIN
      SELECT COALESCE(SUM(amount), 0) INTO total FROM ledger_entries
        WHERE txn_id = NEW.txn_id AND asset = NEW.asset;
      IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance for asset %: sum is %', NEW.txn_id, NEW.asset, total
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $fn$;
    CREATE CONSTRAINT TRIGGER ledger_txn_balanced
      AFTER INSERT ON ledger_entries DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION ledger_txn_balanced();

    CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $fn$;
    CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
    CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_entries
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

    CREATE TABLE human_etfs (
      ticker_id       TEXT PRIMARY KEY REFERENCES tickers(id) ON DELETE RESTRICT,
      issuer_user_id  UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      symbol          TEXT NOT NULL UNIQUE CHECK (symbol ~ '^[A-Z0-9]{2,12}$'),
      total_shares    ${MONEY} NOT NULL CHECK (total_shares > 0),
      offer_price     ${MONEY} NOT NULL CHECK (offer_price > 0),
      dividend_rate   NUMERIC(5,4) NOT NULL CHECK (dividend_rate >= 0.1 AND dividend_rate <= 0.8),
      status          TEXT NOT NULL DEFAULT 'LISTED' CHECK (status IN ('LISTED', 'DELISTED')),
      listed_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
      delisted_at     TIMESTAMPTZ
    );
    CREATE UNIQUE INDEX human_etfs_one_listing_per_issuer ON human_etfs (issuer_user_id) WHERE status = 'LISTED';

    CREATE TABLE dividends (
      id              UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      ticker_id       TEXT NOT NULL REFERENCES tickers(id) ON DELETE RESTRICT,
      payer_user_id   UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      order_id        UUID REFERENCES orders(id) ON DELETE RESTRICT,
      profit_krw      ${MONEY} NOT NULL CHECK (profit_krw > 0),
      dividend_rate   NUMERIC(5,4) NOT NULL CHECK (dividend_rate >= 0 AND dividend_rate <= 1),
      total_amount    ${MONEY} NOT NULL CHECK (total_amount >= 0),
      remainder_krw   ${MONEY} NOT NULL DEFAULT 0 CHECK (remainder_krw >= 0),
      holders         INTEGER NOT NULL CHECK (holders >= 0),
      ledger_txn_id   UUID NOT NULL,
      paid_at         TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX dividends_ticker_idx ON dividends (ticker_id, paid_at DESC);

    CREATE TABLE api_keys (
      id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id       UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
      prefix        TEXT NOT NULL UNIQUE,
      key_hash      TEXT NOT NULL UNIQUE,
      scopes        TEXT[] NOT NULL CHECK (scopes <@ ARRAY['read', 'trade', 'admin']::TEXT[] AND cardinality(scopes) > 0),
      rate_limit_per_min INTEGER NOT NULL DEFAULT 600 CHECK (rate_limit_per_min > 0),
      last_used_at  TIMESTAMPTZ,
      expires_at    TIMESTAMPTZ,
      revoked_at    TIMESTAMPTZ,
      created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX api_keys_user_idx ON api_keys (user_id);

    CREATE TABLE bot_status (
      id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id     UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      strategy    TEXT NOT NULL CHECK (strategy IN ('DCA', 'RSI', 'GRID')),
      params      JSONB NOT NULL DEFAULT '{}',
      is_running  BOOLEAN NOT NULL DEFAULT false,
      last_error  TEXT,
      last_run_at TIMESTAMPTZ,
      created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX bot_status_running_idx ON bot_status (is_running) WHERE is_running;
    CREATE INDEX bot_status_user_idx ON bot_status (user_id);

    CREATE TABLE seasons (
      id              SERIAL PRIMARY KEY,
      name            TEXT NOT NULL UNIQUE,
      starting_cash   ${MONEY} NOT NULL CHECK (starting_cash > 0),
      starts_at       TIMESTAMPTZ NOT NULL,
      ends_at         TIMESTAMPTZ,
      status          TEXT NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('PLANNED', 'ACTIVE', 'ENDED')),
      CHECK (ends_at IS NULL OR ends_at > starts_at)
    );
    CREATE UNIQUE INDEX seasons_one_active ON seasons ((true)) WHERE status = 'ACTIVE';

    CREATE TABLE audit_log (
      id             BIGSERIAL PRIMARY KEY,
      actor_user_id  UUID REFERENCES users(id) ON DELETE SET NULL,
      action         TEXT NOT NULL,
      target_type    TEXT,
      target_id      TEXT,
      reason         TEXT,
      details        JSONB NOT NULL DEFAULT '{}',
      request_id     TEXT,
      created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, created_at DESC);
    CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

    -- Transactional outbox: written in the transaction that changes state, relayed after commit.
    CREATE TABLE outbox_events (
      id            UUID PRIMARY KEY,
      seq           BIGSERIAL UNIQUE,
      type          TEXT NOT NULL,
      channel       TEXT NOT NULL,
      routing_key   TEXT NOT NULL,
      payload       JSONB NOT NULL,
      created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
      published_at  TIMESTAMPTZ,
      attempts      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX outbox_unpublished_idx ON outbox_events (seq) WHERE published_at IS NULL;

    -- Durable webhook deliveries (notifier): one row per event and webhook, order kept by seq.
    CREATE TABLE webhook_deliveries (
      id               BIGSERIAL PRIMARY KEY,
      event_id         UUID NOT NULL,
      webhook          TEXT NOT NULL CHECK (webhook IN ('ALERTS', 'HUMAN')),
      body             JSONB NOT NULL,
      status           TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'BROKEN')),
      attempts         INTEGER NOT NULL DEFAULT 0,
      next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
      last_error       TEXT,
      created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
      sent_at          TIMESTAMPTZ,
      UNIQUE (event_id, webhook)
    );
    CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook, id) WHERE status = 'PENDING';

    CREATE TABLE candles (
      ticker_id     TEXT NOT NULL,
      interval      TEXT NOT NULL CHECK (interval IN ('1m', '1d')),
      bucket_start  TIMESTAMPTZ NOT NULL,
      open          ${MONEY} NOT NULL CHECK (open > 0),
      high          ${MONEY} NOT NULL CHECK (high > 0),
      low           ${MONEY} NOT NULL CHECK (low > 0),
      close         ${MONEY} NOT NULL CHECK (close > 0),
      volume        NUMERIC(30,8) NOT NULL DEFAULT 0 CHECK (volume >= 0),
      source        TEXT,
      updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (ticker_id, interval, bucket_start),
      CHECK (low <= high AND low <= open AND low <= close AND high >= open AND high >= close)
    );

    CREATE TABLE market_holidays (
      market      TEXT NOT NULL CHECK (market IN ('KRX', 'US')),
      date        DATE NOT NULL,
      kind        TEXT NOT NULL CHECK (kind IN ('CLOSED', 'SPECIAL')),
      name        TEXT NOT NULL,
      open_time   TIME,
      close_time  TIME,
      updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (market, date),
      CHECK (kind = 'CLOSED' OR (open_time IS NOT NULL AND close_time IS NOT NULL AND open_time < close_time))
    );

    CREATE TABLE message_templates (
      key         TEXT PRIMARY KEY CHECK (key ~ '^[a-z_]{1,64}$'),
      content     TEXT NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
      updated_by  UUID REFERENCES users(id) ON DELETE SET NULL,
      updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
    );

    CREATE TABLE settings (
      key         TEXT PRIMARY KEY,
      value       TEXT NOT NULL,
      updated_by  UUID REFERENCES users(id) ON DELETE SET NULL,
      updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
    );

    CREATE TABLE job_runs (
      job          TEXT NOT NULL,
      slot         TEXT NOT NULL,
      status       TEXT NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'DONE', 'FAILED')),
      started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
      finished_at  TIMESTAMPTZ,
      details      JSONB NOT NULL DEFAULT '{}',
      PRIMARY KEY (job, slot)
    );

    CREATE TABLE equity_snapshots (
      user_id     UUID NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
      day         DATE NOT NULL,
      equity_krw  ${MONEY} NOT NULL,
      taken_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, day)
    );
  `);
};

export const down: MigrationFn = async ({ sql }) => {
  await sql(`
    DROP TABLE IF EXISTS equity_snapshots, job_runs, settings, message_templates, market_holidays,
      candles, webhook_deliveries, outbox_events, audit_log, seasons, bot_status, api_keys,
      dividends, human_etfs CASCADE;
    DROP TRIGGER IF EXISTS ledger_no_truncate ON ledger_entries;
    DROP TABLE IF EXISTS ledger_entries, orders, portfolios, tickers, wallets, users CASCADE;
    DROP FUNCTION IF EXISTS ledger_txn_balanced(), ledger_append_only();
  `);
};
