/**
 * Admin routes (SPEC §9, §11): users (search, create, suspend, cash adjustment with a
 * required reason), the audit log, orders (search, failures), tickers, settings, message
 * templates (with preview) and the dashboard. Every route needs the `admin` scope and the
 * ADMIN role; every change writes `audit_log` with the actor, the reason and the request id.
 */
import type { Sequelize } from 'sequelize';
import { z } from 'zod';
import { ErrorCode } from '../../core/errors.js';
import type { Decimal } from '../../core/money.js';
import { parseDecimal } from '../../core/money.js';
import { TEMPLATE_KEYS, TEMPLATE_VARIABLES, isTemplateKey, renderTemplate, unknownPlaceholders } from '../../core/templates.js';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../platform/auth/password.js';
import type { ReadinessReport } from '../../platform/health.js';
import type { TemplateStore } from '../../platform/templates/template.store.js';
import { errorBodySchema, sendError, sendFailure } from '../http/errors.js';
import { defineRoute } from '../http/route.js';
import type { AnyRoute } from '../http/route.js';
import { decimalOut, idParams, isoInstant, multiline, pagination, queryBool, text, uuid, wireDecimal } from '../http/schemas.js';
import type { TickerCatalogue } from '../market/catalogue.js';
import { tickerIdParam, tickerSchema, tickerView } from '../market/market.routes.js';
import { ORDER_STATUSES, orderSchema } from '../orders/order.queries.js';
import type { OrderQueries } from '../orders/order.queries.js';
import type { UserRepository } from '../users/user.repository.js';
import type { AuditRepository } from './audit.repository.js';
import { buildDashboard } from './dashboard.js';
import { SETTING_KEYS, SETTING_RULES, parseSetting } from '../../core/settings.js';
import type { SettingKey } from '../../core/settings.js';
import type { SettingsRepository } from './settings.repository.js';
import { TEMPLATE_SAMPLES } from './template-samples.js';
import { exec } from '../sql.js';

const err = (description: string) => ({ description, schema: errorBodySchema });

export const userSummarySchema = z
  .object({
    id: z.string(),
    username: z.string(),
    nickname: z.string().nullable(),
    role: z.enum(['ADMIN', 'USER']),
    discord_user_id: z.string().nullable(),
    is_suspended: z.boolean(),
    is_bankrupt: z.boolean(),
    bankruptcy_count: z.number().int(),
    balance_krw: decimalOut.nullable(),
    reserved_krw: decimalOut.nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'UserSummary' });

const auditSchema = z
  .object({
    id: z.string(),
    actor_user_id: z.string().nullable(),
    actor_username: z.string().nullable(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'AuditEntry' });

const settingSchema = z
  .object({ key: z.enum(SETTING_KEYS), value: decimalOut, source: z.enum(['database', 'environment']), updated_at: z.string().nullable(), updated_by: z.string().nullable() })
  .meta({ id: 'Setting' });

const templateSchema = z
  .object({
    key: z.enum(TEMPLATE_KEYS),
    content: z.string(),
    default_content: z.string(),
    is_default: z.boolean(),
    source: z.enum(['redis', 'database', 'default']),
    variables: z.array(z.string()),
    unknown_placeholders: z.array(z.string()),
    updated_at: z.string().nullable(),
    updated_by: z.string().nullable(),
  })
  .meta({ id: 'Template' });

const templateKeyParam = z.object({ key: z.string().max(64).regex(/^[a-z_]+$/, 'must be a template key like whale_trade') });

/** A reason for an operator action: required, one line, 3–500 characters. */
const reason = text(3, 500).meta({ description: 'why (written to the audit log)' });

export interface AdminRoutesDeps {
  sequelize: Sequelize;
  users: UserRepository;
  audit: AuditRepository;
  orders: OrderQueries;
  settings: SettingsRepository;
  templates: TemplateStore;
  catalogue: TickerCatalogue;
  readiness: () => Promise<ReadinessReport>;
  queueDepth: () => Promise<{ settle: number; dead: number }>;
  now: () => Date;
}

export function adminRoutes(deps: AdminRoutesDeps): AnyRoute[] {
  const { users, audit, orders, settings, templates, catalogue, sequelize } = deps;
  const tags = ['admin'];

  const usersRoutes: AnyRoute[] = [
    defineRoute({
      method: 'get',
      path: '/admin/users',
      tags,
      summary: 'Search users (username, nickname, id or Discord id)',
      auth: 'admin',
      query: z.object({ q: text(0, 64).optional(), suspended: queryBool.optional(), ...pagination }),
      responses: { 200: { description: 'users', schema: z.object({ users: z.array(userSummarySchema) }) } },
      handler: async ({ query }) => ({
        status: 200,
        body: {
          users: await users.search({
            limit: query.limit,
            offset: query.offset,
            ...(query.q === undefined ? {} : { q: query.q }),
            ...(query.suspended === undefined ? {} : { suspended: query.suspended }),
          }),
        },
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/admin/users',
      tags,
      summary: 'Create a user with a password login (and a wallet with the starting cash)',
      auth: 'admin',
      body: z.object({
        username: text(1, 64).regex(/^[\p{L}\p{N}_.-]+$/u, 'letters, digits, _ . - only'),
        password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
        nickname: text(1, 64).optional(),
        role: z.enum(['ADMIN', 'USER']).default('USER'),
      }),
      responses: { 201: { description: 'created', schema: userSummarySchema }, 409: err('username taken') },
      handler: async ({ body, principal, requestId, res }) => {
        const created = await users.create({
          username: body.username,
          nickname: body.nickname ?? null,
          passwordHash: await hashPassword(body.password),
          role: body.role,
        });
        if (!created.ok) {
          sendFailure(res, created.error);
          return 'handled';
        }
        await audit.write({
          actorUserId: principal.userId,
          action: 'user.create',
          targetType: 'user',
          targetId: created.value.id,
          reason: null,
          details: { username: body.username, role: body.role },
          requestId,
        });
        return { status: 201, body: await users.summaryOf(created.value.id) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/users/{id}',
      tags,
      summary: 'One user with cash',
      auth: 'admin',
      params: idParams,
      responses: { 200: { description: 'the user', schema: userSummarySchema }, 404: err('no such user') },
      handler: async ({ params, res }) => {
        const found = await users.summaryOf(params.id);
        if (found === null) {
          sendError(res, ErrorCode.NOT_FOUND, 'no such user');
          return 'handled';
        }
        return { status: 200, body: found };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/users/{id}/suspend',
      tags,
      summary: 'Suspend (or reinstate with `suspended: false`) a user',
      description: 'A suspended user cannot log in, use the API, or trade (the engine fails their orders with ACCOUNT_SUSPENDED).',
      auth: 'admin',
      params: idParams,
      body: z.object({ suspended: z.boolean().default(true), reason }),
      responses: { 200: { description: 'the user after the change', schema: userSummarySchema }, 404: err('no such user') },
      handler: async ({ params, body, principal, requestId, res }) => {
        if (params.id === principal.userId && body.suspended) {
          sendError(res, ErrorCode.CONFLICT, 'you cannot suspend yourself');
          return 'handled';
        }
        const changed = await users.setSuspended(params.id, body.suspended, { actorUserId: principal.userId, reason: body.reason, requestId });
        if (!changed.ok) {
          sendFailure(res, changed.error);
          return 'handled';
        }
        return { status: 200, body: changed.value };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/users/{id}/cash-adjustment',
      tags,
      summary: "Adjust a player's cash (KRW) with a required reason",
      description:
        'Positive adds, negative takes away. Goes through the ledger (`system:adjustment` ↔ `user:<id>`, kind ADJUSTMENT) and the audit log in one transaction; refused with INSUFFICIENT_FUNDS when the cash would fall below zero or below what pending orders reserve.',
      auth: 'admin',
      params: idParams,
      body: z.object({ amount_krw: wireDecimal, reason }),
      responses: {
        200: {
          description: 'done',
          schema: z.object({ user: userSummarySchema, balance_before_krw: decimalOut, balance_after_krw: decimalOut, ledger_txn_id: z.string() }),
        },
        400: err('bad amount or missing reason'),
        404: err('no such user'),
        422: err('would leave negative cash'),
      },
      handler: async ({ params, body, principal, requestId, res }) => {
        const amount = parseDecimal(body.amount_krw, { field: 'amount_krw', allowNegative: true, code: ErrorCode.INVALID_AMOUNT });
        if (!amount.ok) {
          sendFailure(res, amount.error);
          return 'handled';
        }
        if (amount.value.isZero()) {
          sendError(res, ErrorCode.INVALID_AMOUNT, 'amount_krw must not be zero', { field: 'amount_krw' });
          return 'handled';
        }
        const done = await users.adjustCash(params.id, amount.value, { actorUserId: principal.userId, reason: body.reason, requestId });
        if (!done.ok) {
          sendFailure(res, done.error);
          return 'handled';
        }
        return { status: 200, body: done.value };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/audit-log',
      tags,
      summary: 'The audit log, newest first',
      auth: 'admin',
      query: z.object({ target_id: text(1, 128).optional(), action: text(1, 64).optional(), actor_user_id: uuid.optional(), ...pagination }),
      responses: { 200: { description: 'entries', schema: z.object({ entries: z.array(auditSchema) }) } },
      handler: async ({ query }) => {
        const found = await audit.search({
          limit: query.limit,
          offset: query.offset,
          ...(query.target_id === undefined ? {} : { targetId: query.target_id }),
          ...(query.action === undefined ? {} : { action: query.action }),
          ...(query.actor_user_id === undefined ? {} : { actorUserId: query.actor_user_id }),
        });
        return { status: 200, body: { entries: found.map((e) => ({ ...e, created_at: e.created_at.toISOString() })) } };
      },
    }),
  ];

  const orderRoutes: AnyRoute[] = [
    defineRoute({
      method: 'get',
      path: '/admin/orders',
      tags,
      summary: "Search everyone's orders (failures with their reasons)",
      auth: 'admin',
      query: z.object({
        q: text(0, 64).optional(),
        status: z.enum(ORDER_STATUSES).optional(),
        user_id: uuid.optional(),
        ticker_id: text(1, 64).optional(),
        fail_reason: text(1, 64).optional(),
        from: isoInstant.optional(),
        to: isoInstant.optional(),
        ...pagination,
      }),
      responses: { 200: { description: 'orders', schema: z.object({ orders: z.array(orderSchema) }) } },
      handler: async ({ query }) => ({
        status: 200,
        body: {
          orders: await orders.search({
            limit: query.limit,
            offset: query.offset,
            ...(query.q === undefined ? {} : { q: query.q }),
            ...(query.status === undefined ? {} : { status: query.status }),
            ...(query.user_id === undefined ? {} : { userId: query.user_id }),
            ...(query.ticker_id === undefined ? {} : { tickerId: query.ticker_id.toUpperCase() }),
            ...(query.fail_reason === undefined ? {} : { failReason: query.fail_reason }),
            ...(query.from === undefined ? {} : { from: query.from }),
            ...(query.to === undefined ? {} : { to: query.to }),
          }),
        },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/orders/failures',
      tags,
      summary: 'Failed orders by reason over the last hours',
      auth: 'admin',
      query: z.object({ hours: z.coerce.number().int().min(1).max(24 * 90).default(24) }),
      responses: { 200: { description: 'counts', schema: z.object({ hours: z.number(), reasons: z.array(z.object({ fail_reason: z.string(), count: z.number() })) }) } },
      handler: async ({ query }) => ({ status: 200, body: { hours: query.hours, reasons: await orders.failureSummary(query.hours) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/dashboard',
      tags,
      summary: 'Operator dashboard: health, queue depth, dead letters, engine lag, outbox',
      auth: 'admin',
      responses: { 200: { description: 'numbers', schema: z.record(z.string(), z.unknown()) } },
      handler: async () => ({
        status: 200,
        body: await buildDashboard({ sequelize, readiness: deps.readiness, queueDepth: deps.queueDepth, now: deps.now }),
      }),
    }),
  ];

  const tickerRoutes: AnyRoute[] = [
    defineRoute({
      method: 'get',
      path: '/admin/tickers',
      tags,
      summary: 'The whole catalogue, inactive included',
      auth: 'admin',
      responses: { 200: { description: 'tickers', schema: z.object({ tickers: z.array(tickerSchema) }) } },
      handler: () => Promise.resolve({ status: 200, body: { tickers: catalogue.entries().map(tickerView) } }),
    }),
    defineRoute({
      method: 'patch',
      path: '/admin/tickers/{id}',
      tags,
      summary: 'Change a ticker: active flag, names, aliases',
      description: 'An inactive ticker is hidden from search and refused for new orders.',
      auth: 'admin',
      params: tickerIdParam,
      body: z.object({
        active: z.boolean().optional(),
        name_ko: text(1, 100).optional(),
        name_en: text(1, 100).optional(),
        aliases: z.array(text(1, 64)).max(20).optional(),
        reason: reason.optional(),
      }),
      responses: { 200: { description: 'the ticker after', schema: tickerSchema }, 404: err('unknown ticker') },
      handler: async ({ params, body, principal, requestId, res }) => {
        const before = catalogue.get(params.id);
        if (before === undefined) {
          sendError(res, ErrorCode.UNKNOWN_TICKER, `${params.id} is not in the catalogue`);
          return 'handled';
        }
        await sequelize.transaction(async (transaction) => {
          await exec(
            sequelize,
            `UPDATE tickers SET active = COALESCE($2, active), name_ko = COALESCE($3, name_ko), name_en = COALESCE($4, name_en),
                    aliases = COALESCE($5::text[], aliases), updated_at = now() WHERE id = $1`,
            [params.id, body.active ?? null, body.name_ko ?? null, body.name_en ?? null, body.aliases ?? null],
            transaction,
          );
          await audit.write(
            {
              actorUserId: principal.userId,
              action: 'ticker.update',
              targetType: 'ticker',
              targetId: params.id,
              reason: body.reason ?? null,
              details: { before: tickerView(before), change: { ...body, reason: undefined } },
              requestId,
            },
            transaction,
          );
        });
        await catalogue.load();
        const after = catalogue.get(params.id);
        return { status: 200, body: after === undefined ? null : tickerView(after) };
      },
    }),
  ];

  const settingValue = (key: SettingKey) =>
    wireDecimal.optional().meta({ description: `${key} (${SETTING_RULES[key].unit}, ${SETTING_RULES[key].min}–${SETTING_RULES[key].max})` });

  const settingsRoutes: AnyRoute[] = [
    defineRoute({
      method: 'get',
      path: '/admin/settings',
      tags,
      summary: 'Game settings: fee, whale threshold, starting cash, margin',
      auth: 'admin',
      responses: { 200: { description: 'settings', schema: z.object({ settings: z.array(settingSchema) }) } },
      handler: async () => ({ status: 200, body: { settings: await settings.list() } }),
    }),
    defineRoute({
      method: 'put',
      path: '/admin/settings',
      tags,
      summary: 'Change game settings (only the keys given)',
      auth: 'admin',
      body: z.object({
        trading_fee_rate: settingValue('trading_fee_rate'),
        whale_alert_threshold_krw: settingValue('whale_alert_threshold_krw'),
        starting_cash_krw: settingValue('starting_cash_krw'),
        max_leverage: settingValue('max_leverage'),
        maintenance_margin: settingValue('maintenance_margin'),
        reason: reason.optional(),
      }),
      responses: { 200: { description: 'settings after', schema: z.object({ settings: z.array(settingSchema) }) }, 400: err('out of range') },
      handler: async ({ body, principal, requestId, res }) => {
        const values: Partial<Record<SettingKey, Decimal>> = {};
        for (const key of SETTING_KEYS) {
          const raw = body[key];
          if (raw === undefined) continue;
          const parsed = parseSetting(key, raw);
          if (!parsed.ok) {
            sendFailure(res, parsed.error);
            return 'handled';
          }
          values[key] = parsed.value;
        }
        if (Object.keys(values).length === 0) {
          sendError(res, ErrorCode.INVALID_INPUT, `give at least one of ${SETTING_KEYS.join(', ')}`);
          return 'handled';
        }
        const before = await settings.list();
        await sequelize.transaction(async (transaction) => {
          await settings.put(values, principal.userId, transaction);
          await audit.write(
            {
              actorUserId: principal.userId,
              action: 'settings.update',
              targetType: 'settings',
              targetId: Object.keys(values).join(','),
              reason: body.reason ?? null,
              details: {
                before: Object.fromEntries(before.filter((s) => s.key in values).map((s) => [s.key, s.value])),
                after: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.toFixed()])),
              },
              requestId,
            },
            transaction,
          );
        });
        await settings.mirror();
        return { status: 200, body: { settings: await settings.list() } };
      },
    }),
  ];

  const templateRoutes: AnyRoute[] = [
    defineRoute({
      method: 'get',
      path: '/admin/templates',
      tags,
      summary: 'Every message template',
      auth: 'admin',
      responses: { 200: { description: 'templates', schema: z.object({ templates: z.array(templateSchema) }) } },
      handler: async () => ({ status: 200, body: { templates: await templates.list() } }),
    }),
    defineRoute({
      method: 'get',
      path: '/admin/templates/{key}',
      tags,
      summary: 'One message template',
      auth: 'admin',
      params: templateKeyParam,
      responses: { 200: { description: 'the template', schema: templateSchema }, 404: err('unknown key') },
      handler: async ({ params, res }) => {
        const found = await templates.get(params.key);
        if (!found.ok) {
          sendFailure(res, found.error);
          return 'handled';
        }
        return { status: 200, body: found.value };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/admin/templates/{key}',
      tags,
      summary: 'Change a message template (applies to the next message at once)',
      auth: 'admin',
      params: templateKeyParam,
      body: z.object({ key: z.string().max(64).optional(), content: multiline(1, 8000), reason: reason.optional() }),
      responses: { 200: { description: 'the template after', schema: templateSchema }, 400: err('bad content'), 404: err('unknown key') },
      handler: async ({ params, body, principal, requestId, res }) => {
        if (body.key !== undefined && body.key !== params.key) {
          sendError(res, ErrorCode.INVALID_INPUT, `body key "${body.key.slice(0, 64)}" does not match the path key "${params.key}"`, { field: 'key' });
          return 'handled';
        }
        const before = await templates.get(params.key);
        if (!before.ok) {
          sendFailure(res, before.error);
          return 'handled';
        }
        const saved = await templates.put(params.key, body.content, principal.userId);
        if (!saved.ok) {
          sendFailure(res, saved.error);
          return 'handled';
        }
        await audit.write({
          actorUserId: principal.userId,
          action: 'template.update',
          targetType: 'template',
          targetId: params.key,
          reason: body.reason ?? null,
          details: { before: before.value.content, after: saved.value.content },
          requestId,
        });
        return { status: 200, body: saved.value };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/admin/templates/{key}',
      tags,
      summary: 'Reset a message template to its default',
      auth: 'admin',
      params: templateKeyParam,
      responses: { 200: { description: 'the template after', schema: templateSchema }, 404: err('unknown key') },
      handler: async ({ params, principal, requestId, res }) => {
        const reset = await templates.reset(params.key);
        if (!reset.ok) {
          sendFailure(res, reset.error);
          return 'handled';
        }
        await audit.write({ actorUserId: principal.userId, action: 'template.reset', targetType: 'template', targetId: params.key, reason: null, details: {}, requestId });
        return { status: 200, body: reset.value };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/templates/preview',
      tags,
      summary: "Render a template with sample values (the notifier's renderer)",
      auth: 'admin',
      body: z.object({
        key: z.string().max(64),
        content: multiline(0, 8000),
        variables: z.record(z.string().max(64), z.string().max(256)).optional(),
      }),
      responses: {
        200: {
          description: 'rendered',
          schema: z.object({ rendered: z.string(), variables: z.record(z.string(), z.string()), unknown_placeholders: z.array(z.string()) }),
        },
        404: err('unknown key'),
      },
      handler: ({ body, res }) => {
        if (!isTemplateKey(body.key)) {
          sendError(res, ErrorCode.NOT_FOUND, `unknown template key; known keys: ${TEMPLATE_KEYS.join(', ')}`);
          return Promise.resolve('handled' as const);
        }
        const variables = { ...TEMPLATE_SAMPLES[body.key], ...(body.variables ?? {}) };
        return Promise.resolve({
          status: 200,
          body: { rendered: renderTemplate(body.content, variables), variables, unknown_placeholders: unknownPlaceholders(body.key, body.content), known: TEMPLATE_VARIABLES[body.key] },
        });
      },
    }),
  ];

  return [...usersRoutes, ...orderRoutes, ...tickerRoutes, ...settingsRoutes, ...templateRoutes];
}

