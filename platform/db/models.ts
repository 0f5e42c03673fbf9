/**
 * Sequelize models for the tables of `db/migrations/0001-initial-schema.ts` (SPEC §3).
 * The migrations own the schema (constraints, triggers, indexes); models only map columns
 * and are never `sync()`ed. NUMERIC columns are typed `string` (decimal strings).
 */
import { DataTypes, Model } from 'sequelize';
import type { CreationOptional, InferAttributes, InferCreationAttributes, Sequelize } from 'sequelize';

const MONEY = DataTypes.DECIMAL(20, 8);
const ts = { timestamps: false } as const;

export class UserModel extends Model<InferAttributes<UserModel>, InferCreationAttributes<UserModel>> {
  declare id: CreationOptional<string>;
  declare discord_user_id: string | null;
  declare username: string;
  declare nickname: string | null;
  declare role: CreationOptional<'ADMIN' | 'USER'>;
  declare password_hash: string | null;
  declare is_bankrupt: CreationOptional<boolean>;
  declare bankruptcy_count: CreationOptional<number>;
  declare bailout_count: CreationOptional<number>;
  declare is_suspended: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class WalletModel extends Model<InferAttributes<WalletModel>, InferCreationAttributes<WalletModel>> {
  declare user_id: string;
  declare balance_krw: string;
  declare reserved_krw: CreationOptional<string>;
  declare last_updated: CreationOptional<Date>;
}

export class TickerModel extends Model<InferAttributes<TickerModel>, InferCreationAttributes<TickerModel>> {
  declare id: string;
  declare market: 'KRX' | 'US' | 'CRYPTO' | 'HUMAN';
  declare type: 'STOCK' | 'COIN' | 'ETF';
  declare symbol: string;
  declare name_ko: string;
  declare name_en: string;
  declare currency: 'KRW' | 'USD' | 'KRW-COIN';
  declare aliases: CreationOptional<string[]>;
  declare active: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class PortfolioModel extends Model<InferAttributes<PortfolioModel>, InferCreationAttributes<PortfolioModel>> {
  declare id: CreationOptional<string>;
  declare user_id: string;
  declare ticker_id: string;
  declare quantity: string;
  declare reserved_quantity: CreationOptional<string>;
  declare average_price: CreationOptional<string>;
  declare average_cost_krw: CreationOptional<string>;
  declare realized_pnl_krw: CreationOptional<string>;
  declare currency: 'KRW' | 'USD' | 'KRW-COIN';
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class OrderModel extends Model<InferAttributes<OrderModel>, InferCreationAttributes<OrderModel>> {
  declare id: string;
  declare user_id: string;
  declare ticker_id: string;
  declare side: 'BUY' | 'SELL';
  declare type: 'MARKET' | 'LIMIT' | 'STOP_LOSS' | 'TAKE_PROFIT' | 'STOP_LIMIT' | 'TRAILING_STOP';
  declare status: 'PENDING' | 'FILLED' | 'CANCELLED' | 'FAILED';
  declare quantity: string | null;
  declare notional_krw: string | null;
  declare limit_price: string | null;
  declare stop_price: string | null;
  declare trail: string | null;
  declare oco_group_id: string | null;
  declare reserved_krw: CreationOptional<string>;
  declare reserved_quantity: CreationOptional<string>;
  declare price: string | null;
  declare filled_quantity: string | null;
  declare filled_notional_krw: string | null;
  declare fee: string | null;
  declare realized_pnl: string | null;
  declare applied_exchange_rate: string | null;
  declare fail_reason: string | null;
  declare source: 'discord' | 'api' | 'admin' | 'bot';
  declare placed_at: Date | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
  declare filled_at: Date | null;
}

export class LedgerEntryModel extends Model<InferAttributes<LedgerEntryModel>, InferCreationAttributes<LedgerEntryModel>> {
  declare id: CreationOptional<string>;
  declare txn_id: string;
  declare account: string;
  declare user_id: string | null;
  declare asset: string;
  declare amount: string;
  declare kind: string;
  declare order_id: string | null;
  declare memo: string | null;
  declare created_at: CreationOptional<Date>;
}

export class HumanEtfModel extends Model<InferAttributes<HumanEtfModel>, InferCreationAttributes<HumanEtfModel>> {
  declare ticker_id: string;
  declare issuer_user_id: string;
  declare symbol: string;
  declare total_shares: string;
  declare offer_price: string;
  declare dividend_rate: string;
  declare status: CreationOptional<'LISTED' | 'DELISTED'>;
  declare listed_at: CreationOptional<Date>;
  declare delisted_at: Date | null;
}

export class DividendModel extends Model<InferAttributes<DividendModel>, InferCreationAttributes<DividendModel>> {
  declare id: CreationOptional<string>;
  declare ticker_id: string;
  declare payer_user_id: string;
  declare order_id: string | null;
  declare profit_krw: string;
  declare dividend_rate: string;
  declare total_amount: string;
  declare remainder_krw: CreationOptional<string>;
  declare holders: number;
  declare ledger_txn_id: string;
  declare paid_at: CreationOptional<Date>;
}

export class ApiKeyModel extends Model<InferAttributes<ApiKeyModel>, InferCreationAttributes<ApiKeyModel>> {
  declare id: CreationOptional<string>;
  declare user_id: string;
  declare name: string;
  declare prefix: string;
  declare key_hash: string;
  declare scopes: string[];
  declare rate_limit_per_min: CreationOptional<number>;
  declare last_used_at: Date | null;
  declare expires_at: Date | null;
  declare revoked_at: Date | null;
  declare created_at: CreationOptional<Date>;
}

export class BotStatusModel extends Model<InferAttributes<BotStatusModel>, InferCreationAttributes<BotStatusModel>> {
  declare id: CreationOptional<string>;
  declare user_id: string;
  declare strategy: 'DCA' | 'RSI' | 'GRID';
  declare params: CreationOptional<Record<string, unknown>>;
  declare is_running: CreationOptional<boolean>;
  declare last_error: string | null;
  declare last_run_at: Date | null;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;
}

export class SeasonModel extends Model<InferAttributes<SeasonModel>, InferCreationAttributes<SeasonModel>> {
  declare id: CreationOptional<number>;
  declare name: string;
  declare starting_cash: string;
  declare starts_at: Date;
  declare ends_at: Date | null;
  declare status: CreationOptional<'PLANNED' | 'ACTIVE' | 'ENDED'>;
}

export class AuditLogModel extends Model<InferAttributes<AuditLogModel>, InferCreationAttributes<AuditLogModel>> {
  declare id: CreationOptional<string>;
  declare actor_user_id: string | null;
  declare action: string;
  declare target_type: string | null;
  declare target_id: string | null;
  declare reason: string | null;
  declare details: CreationOptional<Record<string, unknown>>;
  declare request_id: string | null;
  declare created_at: CreationOptional<Date>;
}

export class OutboxEventModel extends Model<InferAttributes<OutboxEventModel>, InferCreationAttributes<OutboxEventModel>> {
  declare id: string;
  declare seq: CreationOptional<string>;
  declare type: string;
  declare channel: string;
  declare routing_key: string;
  declare payload: Record<string, unknown>;
  declare created_at: CreationOptional<Date>;
  declare published_at: Date | null;
  declare attempts: CreationOptional<number>;
}

export class CandleModel extends Model<InferAttributes<CandleModel>, InferCreationAttributes<CandleModel>> {
  declare ticker_id: string;
  declare interval: '1m' | '1d';
  declare bucket_start: Date;
  declare open: string;
  declare high: string;
  declare low: string;
  declare close: string;
  declare volume: CreationOptional<string>;
  declare source: string | null;
  declare updated_at: CreationOptional<Date>;
}

export class MarketHolidayModel extends Model<InferAttributes<MarketHolidayModel>, InferCreationAttributes<MarketHolidayModel>> {
  declare market: 'KRX' | 'US';
  declare date: string;
  declare kind: 'CLOSED' | 'SPECIAL';
  declare name: string;
  declare open_time: string | null;
  declare close_time: string | null;
  declare updated_at: CreationOptional<Date>;
}

export class MessageTemplateModel extends Model<InferAttributes<MessageTemplateModel>, InferCreationAttributes<MessageTemplateModel>> {
  declare key: string;
  declare content: string;
  declare updated_by: string | null;
  declare updated_at: CreationOptional<Date>;
}

export class SettingModel extends Model<InferAttributes<SettingModel>, InferCreationAttributes<SettingModel>> {
  declare key: string;
  declare value: string;
  declare updated_by: string | null;
  declare updated_at: CreationOptional<Date>;
}

export interface Models {
  User: typeof UserModel;
  Wallet: typeof WalletModel;
  Ticker: typeof TickerModel;
  Portfolio: typeof PortfolioModel;
  Order: typeof OrderModel;
  LedgerEntry: typeof LedgerEntryModel;
  HumanEtf: typeof HumanEtfModel;
  Dividend: typeof DividendModel;
  ApiKey: typeof ApiKeyModel;
  BotStatus: typeof BotStatusModel;
  Season: typeof SeasonModel;
  AuditLog: typeof AuditLogModel;
  OutboxEvent: typeof OutboxEventModel;
  Candle: typeof CandleModel;
  MarketHoliday: typeof MarketHolidayModel;
  MessageTemplate: typeof MessageTemplateModel;
  Setting: typeof SettingModel;
}

const uuidPk = { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 };
const createdAt = { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW };

/**
 * Bind every model to `sequelize`. Table and column names are those of the migrations.
 * Each call makes fresh subclasses, so two databases in one process (tests, tools) stay apart.
 */
export function defineModels(sequelize: Sequelize): Models {
  const User = class extends UserModel {};
  User.init(
    {
      id: uuidPk,
      discord_user_id: { type: DataTypes.TEXT, allowNull: true },
      username: { type: DataTypes.TEXT, allowNull: false },
      nickname: { type: DataTypes.TEXT, allowNull: true },
      role: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'USER' },
      password_hash: { type: DataTypes.TEXT, allowNull: true },
      is_bankrupt: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      bankruptcy_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      bailout_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
      is_suspended: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      created_at: createdAt,
      updated_at: createdAt,
    },
    { sequelize, tableName: 'users', ...ts },
  );
  const Wallet = class extends WalletModel {};
  Wallet.init(
    {
      user_id: { type: DataTypes.UUID, primaryKey: true },
      balance_krw: { type: MONEY, allowNull: false },
      reserved_krw: { type: MONEY, allowNull: false, defaultValue: '0' },
      last_updated: createdAt,
    },
    { sequelize, tableName: 'wallets', ...ts },
  );
  const Ticker = class extends TickerModel {};
  Ticker.init(
    {
      id: { type: DataTypes.TEXT, primaryKey: true },
      market: { type: DataTypes.TEXT, allowNull: false },
      type: { type: DataTypes.TEXT, allowNull: false },
      symbol: { type: DataTypes.TEXT, allowNull: false },
      name_ko: { type: DataTypes.TEXT, allowNull: false },
      name_en: { type: DataTypes.TEXT, allowNull: false },
      currency: { type: DataTypes.TEXT, allowNull: false },
      aliases: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false, defaultValue: [] },
      active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
      created_at: createdAt,
      updated_at: createdAt,
    },
    { sequelize, tableName: 'tickers', ...ts },
  );
  const Portfolio = class extends PortfolioModel {};
  Portfolio.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      user_id: { type: DataTypes.UUID, allowNull: false },
      ticker_id: { type: DataTypes.TEXT, allowNull: false },
      quantity: { type: MONEY, allowNull: false },
      reserved_quantity: { type: MONEY, allowNull: false, defaultValue: '0' },
      average_price: { type: MONEY, allowNull: false, defaultValue: '0' },
      average_cost_krw: { type: MONEY, allowNull: false, defaultValue: '0' },
      realized_pnl_krw: { type: MONEY, allowNull: false, defaultValue: '0' },
      currency: { type: DataTypes.TEXT, allowNull: false },
      created_at: createdAt,
      updated_at: createdAt,
    },
    { sequelize, tableName: 'portfolios', ...ts },
  );
  const Order = class extends OrderModel {};
  Order.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      user_id: { type: DataTypes.UUID, allowNull: false },
      ticker_id: { type: DataTypes.TEXT, allowNull: false },
      side: { type: DataTypes.TEXT, allowNull: false },
      type: { type: DataTypes.TEXT, allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false },
      quantity: { type: MONEY, allowNull: true },
      notional_krw: { type: MONEY, allowNull: true },
      limit_price: { type: MONEY, allowNull: true },
      stop_price: { type: MONEY, allowNull: true },
      trail: { type: MONEY, allowNull: true },
      oco_group_id: { type: DataTypes.UUID, allowNull: true },
      reserved_krw: { type: MONEY, allowNull: false, defaultValue: '0' },
      reserved_quantity: { type: MONEY, allowNull: false, defaultValue: '0' },
      price: { type: MONEY, allowNull: true },
      filled_quantity: { type: MONEY, allowNull: true },
      filled_notional_krw: { type: MONEY, allowNull: true },
      fee: { type: MONEY, allowNull: true },
      realized_pnl: { type: MONEY, allowNull: true },
      applied_exchange_rate: { type: MONEY, allowNull: true },
      fail_reason: { type: DataTypes.TEXT, allowNull: true },
      source: { type: DataTypes.TEXT, allowNull: false },
      placed_at: { type: DataTypes.DATE, allowNull: true },
      created_at: createdAt,
      updated_at: createdAt,
      filled_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'orders', ...ts },
  );
  const LedgerEntry = class extends LedgerEntryModel {};
  LedgerEntry.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      txn_id: { type: DataTypes.UUID, allowNull: false },
      account: { type: DataTypes.TEXT, allowNull: false },
      user_id: { type: DataTypes.UUID, allowNull: true },
      asset: { type: DataTypes.TEXT, allowNull: false },
      amount: { type: MONEY, allowNull: false },
      kind: { type: DataTypes.TEXT, allowNull: false },
      order_id: { type: DataTypes.UUID, allowNull: true },
      memo: { type: DataTypes.TEXT, allowNull: true },
      created_at: createdAt,
    },
    { sequelize, tableName: 'ledger_entries', ...ts },
  );
  const HumanEtf = class extends HumanEtfModel {};
  HumanEtf.init(
    {
      ticker_id: { type: DataTypes.TEXT, primaryKey: true },
      issuer_user_id: { type: DataTypes.UUID, allowNull: false },
      symbol: { type: DataTypes.TEXT, allowNull: false },
      total_shares: { type: MONEY, allowNull: false },
      offer_price: { type: MONEY, allowNull: false },
      dividend_rate: { type: DataTypes.DECIMAL(5, 4), allowNull: false },
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'LISTED' },
      listed_at: createdAt,
      delisted_at: { type: DataTypes.DATE, allowNull: true },
    },
    { sequelize, tableName: 'human_etfs', ...ts },
  );
  const Dividend = class extends DividendModel {};
  Dividend.init(
    {
      id: uuidPk,
      ticker_id: { type: DataTypes.TEXT, allowNull: false },
      payer_user_id: { type: DataTypes.UUID, allowNull: false },
      order_id: { type: DataTypes.UUID, allowNull: true },
      profit_krw: { type: MONEY, allowNull: false },
      dividend_rate: { type: DataTypes.DECIMAL(5, 4), allowNull: false },
      total_amount: { type: MONEY, allowNull: false },
      remainder_krw: { type: MONEY, allowNull: false, defaultValue: '0' },
      holders: { type: DataTypes.INTEGER, allowNull: false },
      ledger_txn_id: { type: DataTypes.UUID, allowNull: false },
      paid_at: createdAt,
    },
    { sequelize, tableName: 'dividends', ...ts },
  );
  const ApiKey = class extends ApiKeyModel {};
  ApiKey.init(
    {
      id: uuidPk,
      user_id: { type: DataTypes.UUID, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      prefix: { type: DataTypes.TEXT, allowNull: false },
      key_hash: { type: DataTypes.TEXT, allowNull: false },
      scopes: { type: DataTypes.ARRAY(DataTypes.TEXT), allowNull: false },
      rate_limit_per_min: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 600 },
      last_used_at: { type: DataTypes.DATE, allowNull: true },
      expires_at: { type: DataTypes.DATE, allowNull: true },
      revoked_at: { type: DataTypes.DATE, allowNull: true },
      created_at: createdAt,
    },
    { sequelize, tableName: 'api_keys', ...ts },
  );
  const BotStatus = class extends BotStatusModel {};
  BotStatus.init(
    {
      id: uuidPk,
      user_id: { type: DataTypes.UUID, allowNull: false },
      strategy: { type: DataTypes.TEXT, allowNull: false },
      params: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      is_running: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
      last_error: { type: DataTypes.TEXT, allowNull: true },
      last_run_at: { type: DataTypes.DATE, allowNull: true },
      created_at: createdAt,
      updated_at: createdAt,
    },
    { sequelize, tableName: 'bot_status', ...ts },
  );
  const Season = class extends SeasonModel {};
  Season.init(
    {
      id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      name: { type: DataTypes.TEXT, allowNull: false },
      starting_cash: { type: MONEY, allowNull: false },
      starts_at: { type: DataTypes.DATE, allowNull: false },
      ends_at: { type: DataTypes.DATE, allowNull: true },
      status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'ACTIVE' },
    },
    { sequelize, tableName: 'seasons', ...ts },
  );
  const AuditLog = class extends AuditLogModel {};
  AuditLog.init(
    {
      id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
      actor_user_id: { type: DataTypes.UUID, allowNull: true },
      action: { type: DataTypes.TEXT, allowNull: false },
      target_type: { type: DataTypes.TEXT, allowNull: true },
      target_id: { type: DataTypes.TEXT, allowNull: true },
      reason: { type: DataTypes.TEXT, allowNull: true },
      details: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
      request_id: { type: DataTypes.TEXT, allowNull: true },
      created_at: createdAt,
    },
    { sequelize, tableName: 'audit_log', ...ts },
  );
  const OutboxEvent = class extends OutboxEventModel {};
  OutboxEvent.init(
    {
      id: { type: DataTypes.UUID, primaryKey: true },
      seq: { type: DataTypes.BIGINT, autoIncrement: true },
      type: { type: DataTypes.TEXT, allowNull: false },
      channel: { type: DataTypes.TEXT, allowNull: false },
      routing_key: { type: DataTypes.TEXT, allowNull: false },
      payload: { type: DataTypes.JSON, allowNull: false },
      created_at: createdAt,
      published_at: { type: DataTypes.DATE, allowNull: true },
      attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    },
    { sequelize, tableName: 'outbox_events', ...ts },
  );
  const Candle = class extends CandleModel {};
  Candle.init(
    {
      ticker_id: { type: DataTypes.TEXT, primaryKey: true },
      interval: { type: DataTypes.TEXT, primaryKey: true },
      bucket_start: { type: DataTypes.DATE, primaryKey: true },
      open: { type: MONEY, allowNull: false },
      high: { type: MONEY, allowNull: false },
      low: { type: MONEY, allowNull: false },
      close: { type: MONEY, allowNull: false },
      volume: { type: DataTypes.DECIMAL(30, 8), allowNull: false, defaultValue: '0' },
      source: { type: DataTypes.TEXT, allowNull: true },
      updated_at: createdAt,
    },
    { sequelize, tableName: 'candles', ...ts },
  );
  const MarketHoliday = class extends MarketHolidayModel {};
  MarketHoliday.init(
    {
      market: { type: DataTypes.TEXT, primaryKey: true },
      date: { type: DataTypes.DATEONLY, primaryKey: true },
      kind: { type: DataTypes.TEXT, allowNull: false },
      name: { type: DataTypes.TEXT, allowNull: false },
      open_time: { type: DataTypes.TIME, allowNull: true },
      close_time: { type: DataTypes.TIME, allowNull: true },
      updated_at: createdAt,
    },
    { sequelize, tableName: 'market_holidays', ...ts },
  );
  const MessageTemplate = class extends MessageTemplateModel {};
  MessageTemplate.init(
    {
      key: { type: DataTypes.TEXT, primaryKey: true },
      content: { type: DataTypes.TEXT, allowNull: false },
      updated_by: { type: DataTypes.UUID, allowNull: true },
      updated_at: createdAt,
    },
    { sequelize, tableName: 'message_templates', ...ts },
  );
  const Setting = class extends SettingModel {};
  Setting.init(
    {
      key: { type: DataTypes.TEXT, primaryKey: true },
      value: { type: DataTypes.TEXT, allowNull: false },
      updated_by: { type: DataTypes.UUID, allowNull: true },
      updated_at: createdAt,
    },
    { sequelize, tableName: 'settings', ...ts },
  );
  return { User, Wallet, Ticker, Portfolio, Order, LedgerEntry, HumanEtf, Dividend, ApiKey, BotStatus, Season, AuditLog, OutboxEvent, Candle, MarketHoliday, MessageTemplate, Setting };
}
