/**
 * Message templates (SPEC.md §8): Redis `config:msg_template:<key>` is the live value, read
 * for every message; PostgreSQL `message_templates` holds the durable copy that restores
 * Redis when it comes back empty; with neither, the default of `core/templates.ts`.
 *
 * - {@link TemplateStore.put} writes PostgreSQL first (durable), then Redis; the next
 *   message rendered anywhere uses the new text.
 * - {@link TemplateStore.get} reads Redis; on a miss it reads PostgreSQL and writes the value
 *   back to Redis (restore). A value set straight in Redis (the key name is part of the
 *   SPEC's contract) is honoured at once and copied to PostgreSQL on first read, so a later
 *   Redis restart does not lose it.
 * - {@link TemplateStore.reset} removes both copies: the default applies again.
 */
import type { Redis } from 'ioredis';
import type { Sequelize } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { AppError, ErrorCode, err, ok } from '../../core/errors.js';
import type { Result } from '../../core/errors.js';
import {
  DEFAULT_TEMPLATES,
  MAX_TEMPLATE_LENGTH,
  TEMPLATE_KEYS,
  TEMPLATE_VARIABLES,
  checkTemplateContent,
  isTemplateKey,
  unknownPlaceholders,
} from '../../core/templates.js';
import type { TemplateKey } from '../../core/templates.js';

/** Redis key of a template (SPEC §8, exact). */
export const templateKey = (key: string): string => `config:msg_template:${key}`;

/** Where a template's current text came from. */
export type TemplateSource = 'redis' | 'database' | 'default';

/** A template as the admin API shows it. */
export interface TemplateView {
  key: TemplateKey;
  content: string;
  /** The SPEC default for this key. */
  default_content: string;
  is_default: boolean;
  source: TemplateSource;
  /** Variables the notifier provides for this key. */
  variables: readonly string[];
  /** Placeholders of `content` the notifier does not provide (printed as written). */
  unknown_placeholders: string[];
  /** From PostgreSQL, when a stored copy exists. */
  updated_at: string | null;
  updated_by: string | null;
}

interface TemplateRow {
  key: string;
  content: string;
  updated_by: string | null;
  updated_at: Date;
}

/**
 * The template store, shared by the notifier (rendering) and the api (admin endpoints,
 * live preview). Stateless apart from a small cache of what PostgreSQL is known to hold.
 */
export class TemplateStore {
  /** key → content known to be in PostgreSQL (avoids a write per message). */
  private readonly durable = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly sequelize: Sequelize,
  ) {}

  /**
   * The text to render for `key` now.
   * @throws AppError(NOT_FOUND) for an unknown key; infrastructure errors as thrown by
   *   Redis/PostgreSQL (the notifier retries the event).
   */
  async content(key: TemplateKey): Promise<string> {
    return (await this.resolve(key)).content;
  }

  /** One template with its metadata. @returns `NOT_FOUND` for an unknown key. */
  async get(key: string): Promise<Result<TemplateView>> {
    if (!isTemplateKey(key)) return unknownKey(key);
    const r = await this.resolve(key);
    const rows = await this.rows();
    return ok(view(key, r.content, r.source, rows.get(key) ?? null));
  }

  /** Every known template, in {@link TEMPLATE_KEYS} order. */
  async list(): Promise<TemplateView[]> {
    const out: { key: TemplateKey; content: string; source: TemplateSource }[] = [];
    for (const key of TEMPLATE_KEYS) {
      const r = await this.resolve(key);
      out.push({ key, ...r });
    }
    const rows = await this.rows();
    return out.map((r) => view(r.key, r.content, r.source, rows.get(r.key) ?? null));
  }

  /**
   * Store a template: PostgreSQL (with `updated_by`), then Redis.
   * @returns `NOT_FOUND` for an unknown key; `INVALID_INPUT` when `content` is not text of
   *   1..2000 characters (nothing is changed).
   * @throws AppError(DEPENDENCY_UNAVAILABLE, retry) when Redis fails after PostgreSQL took
   *   the value (repeat the call: it is idempotent).
   */
  async put(key: string, content: unknown, actorUserId?: string | null): Promise<Result<TemplateView>> {
    if (!isTemplateKey(key)) return unknownKey(key);
    const problem = checkTemplateContent(content);
    if (problem !== null || typeof content !== 'string') {
      const why =
        problem === 'empty'
          ? 'must not be empty'
          : problem === 'too_long'
            ? `must be at most ${MAX_TEMPLATE_LENGTH} characters`
            : 'must be text without NUL characters';
      return err(ErrorCode.INVALID_INPUT, `template content ${why}`, { field: 'content', reason: problem ?? 'not_text' });
    }
    const [row] = await this.sequelize.query<TemplateRow>(
      `INSERT INTO message_templates (key, content, updated_by, updated_at)
            VALUES ($1, $2, $3, now())
       ON CONFLICT (key) DO UPDATE SET content = EXCLUDED.content, updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING key, content, updated_by, updated_at`,
      { bind: [key, content, actorUserId ?? null], type: QueryTypes.SELECT },
    );
    this.durable.set(key, content);
    try {
      await this.redis.set(templateKey(key), content);
    } catch (error) {
      this.durable.delete(key);
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'template saved in PostgreSQL but Redis did not take it; retry', {
        retry: true,
        cause: error,
        context: { key },
      });
    }
    return ok(view(key, content, 'redis', row ?? null));
  }

  /** Remove the stored template: the default applies again. @returns `NOT_FOUND` for an unknown key. */
  async reset(key: string): Promise<Result<TemplateView>> {
    if (!isTemplateKey(key)) return unknownKey(key);
    await this.sequelize.query('DELETE FROM message_templates WHERE key = $1', { bind: [key] });
    this.durable.delete(key);
    await this.redis.del(templateKey(key));
    return ok(view(key, DEFAULT_TEMPLATES[key], 'default', null));
  }

  /**
   * Copy every stored template from PostgreSQL to Redis where Redis has none (run at
   * start-up after a Redis restart). @returns how many keys were restored.
   */
  async restore(): Promise<number> {
    const rows = await this.sequelize.query<TemplateRow>('SELECT key, content, updated_by, updated_at FROM message_templates', {
      type: QueryTypes.SELECT,
    });
    let restored = 0;
    for (const row of rows) {
      if (!isTemplateKey(row.key)) continue;
      this.durable.set(row.key, row.content);
      if ((await this.redis.set(templateKey(row.key), row.content, 'NX')) === 'OK') restored += 1;
    }
    return restored;
  }

  /** The stored rows (metadata for the admin views). */
  private async rows(): Promise<Map<string, TemplateRow>> {
    const rows = await this.sequelize.query<TemplateRow>('SELECT key, content, updated_by, updated_at FROM message_templates', {
      type: QueryTypes.SELECT,
    });
    return new Map(rows.map((r) => [r.key, r]));
  }

  private async resolve(key: TemplateKey): Promise<{ content: string; source: TemplateSource }> {
    const live = await this.redis.get(templateKey(key));
    if (live !== null && checkTemplateContent(live) === null) {
      if (this.durable.get(key) !== live) {
        // Set in Redis but not (yet) in PostgreSQL: keep the durable copy in step.
        await this.upsertIfChanged(key, live);
        this.durable.set(key, live);
      }
      return { content: live, source: 'redis' };
    }
    const [row] = await this.sequelize.query<TemplateRow>(
      'SELECT key, content, updated_by, updated_at FROM message_templates WHERE key = $1',
      { bind: [key], type: QueryTypes.SELECT },
    );
    if (row !== undefined) {
      this.durable.set(key, row.content);
      await this.redis.set(templateKey(key), row.content, 'NX');
      return { content: row.content, source: 'database' };
    }
    this.durable.delete(key);
    return { content: DEFAULT_TEMPLATES[key], source: 'default' };
  }

  private async upsertIfChanged(key: TemplateKey, content: string): Promise<void> {
    await this.sequelize.query(
      `INSERT INTO message_templates (key, content, updated_by, updated_at)
            VALUES ($1, $2, NULL, now())
       ON CONFLICT (key) DO UPDATE SET content = EXCLUDED.content, updated_by = NULL, updated_at = now()
         WHERE message_templates.content IS DISTINCT FROM EXCLUDED.content`,
      { bind: [key, content] },
    );
  }
}

function unknownKey(key: string): Result<never> {
  return err(ErrorCode.NOT_FOUND, `unknown template key ${JSON.stringify(key.slice(0, 64))}; known keys: ${TEMPLATE_KEYS.join(', ')}`, {
    field: 'key',
    known: [...TEMPLATE_KEYS],
  });
}

function view(key: TemplateKey, content: string, source: TemplateSource, row: TemplateRow | null): TemplateView {
  return {
    key,
    content,
    default_content: DEFAULT_TEMPLATES[key],
    is_default: content === DEFAULT_TEMPLATES[key],
    source,
    variables: TEMPLATE_VARIABLES[key],
    unknown_placeholders: unknownPlaceholders(key, content),
    updated_at: row === null ? null : new Date(row.updated_at).toISOString(),
    updated_by: row?.updated_by ?? null,
  };
}
