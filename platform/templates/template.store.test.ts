import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, TEMPLATE_KEYS } from '../../core/templates.js';
import { createTestDatabase } from '../../test/support/database.js';
import type { TestDatabase } from '../../test/support/database.js';
import { createTestRedis } from '../../test/support/redis.js';
import type { TestRedis } from '../../test/support/redis.js';
import { openDatabase } from '../db/sequelize.js';
import type { Database } from '../db/sequelize.js';
import { TemplateStore, templateKey } from './template.store.js';

describe('GIVEN a template store on real PostgreSQL and Redis', () => {
  let pg: TestDatabase;
  let testRedis: TestRedis;
  let db: Database;
  let redis: Redis;
  let store: TemplateStore;
  let adminId: string;

  beforeAll(async () => {
    [pg, testRedis] = await Promise.all([createTestDatabase('templates'), createTestRedis()]);
    db = openDatabase({ url: pg.url, poolMax: 4 });
    redis = new Redis(testRedis.url);
    store = new TemplateStore(redis, db.sequelize);
    const [rows] = (await db.sequelize.query(
      "INSERT INTO users (username, nickname, role) VALUES ('admin', '관리자', 'ADMIN') RETURNING id",
    )) as [{ id: string }[], unknown];
    adminId = rows[0]?.id ?? '';
  });
  afterAll(async () => {
    await redis.quit();
    await db.close();
    await testRedis.release();
    await pg.drop();
  });

  const stored = async (key: string) =>
    ((await db.sequelize.query('SELECT content, updated_by FROM message_templates WHERE key = $1', { bind: [key] })) as [
      { content: string; updated_by: string | null }[],
      unknown,
    ])[0][0];

  it('THEN with nothing stored every key has its SPEC default', async () => {
    const list = await store.list();
    expect(list.map((t) => t.key)).toEqual([...TEMPLATE_KEYS]);
    for (const t of list) {
      expect(t.content).toBe(DEFAULT_TEMPLATES[t.key]);
      expect(t.source).toBe('default');
      expect(t.is_default).toBe(true);
    }
    expect(await redis.get(templateKey('whale_trade'))).toBeNull();
  });

  it('THEN put stores PostgreSQL and Redis, with the actor, and the next read uses it', async () => {
    const content = '🐳 {nickname}님 {notional:,}원 {side}! {oops}';
    const r = await store.put('whale_trade', content, adminId);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.unknown_placeholders).toEqual(['oops']);
    expect(await redis.get('config:msg_template:whale_trade')).toBe(content);
    expect(await stored('whale_trade')).toEqual({ content, updated_by: adminId });
    expect(await store.content('whale_trade')).toBe(content);
    const got = await store.get('whale_trade');
    expect(got.ok && got.value.updated_by).toBe(adminId);
    expect(got.ok && got.value.source).toBe('redis');
  });

  it('THEN Redis coming back empty is restored from PostgreSQL', async () => {
    await redis.flushdb();
    const fresh = new TemplateStore(redis, db.sequelize);
    expect(await fresh.content('whale_trade')).toBe('🐳 {nickname}님 {notional:,}원 {side}! {oops}');
    expect(await redis.get(templateKey('whale_trade'))).toBe('🐳 {nickname}님 {notional:,}원 {side}! {oops}');
    await redis.flushdb();
    expect(await fresh.restore()).toBe(1);
    expect(await redis.get(templateKey('whale_trade'))).toBe('🐳 {nickname}님 {notional:,}원 {side}! {oops}');
  });

  it('THEN a value set straight in Redis is used at once and copied to PostgreSQL', async () => {
    await redis.set('config:msg_template:bailout_processed', '😭 {nickname} 구조됨');
    expect(await store.content('bailout_processed')).toBe('😭 {nickname} 구조됨');
    expect(await stored('bailout_processed')).toEqual({ content: '😭 {nickname} 구조됨', updated_by: null });
  });

  it('THEN bad input gets a clear error and changes nothing', async () => {
    const before = await stored('whale_trade');
    const unknown = await store.put('whale', 'x');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) {
      expect(unknown.error.code).toBe('NOT_FOUND');
      expect(unknown.error.message).toMatch(/unknown template key "whale"/);
    }
    for (const content of ['', '🐳'.repeat(2001), 42, null, 'a\u0000b']) {
      const r = await store.put('whale_trade', content);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT');
    }
    expect(await stored('whale_trade')).toEqual(before);
    expect(await stored('whale')).toBeUndefined();
    expect((await store.get('nope')).ok).toBe(false);
  });

  it('THEN 2000 emoji and Korean text round-trip exactly', async () => {
    const content = '개미🐜'.repeat(666) + '🐳🐳';
    expect([...content].length).toBe(2000);
    expect((await store.put('ipo_listed', content)).ok).toBe(true);
    await redis.flushdb();
    expect(await new TemplateStore(redis, db.sequelize).content('ipo_listed')).toBe(content);
  });

  it('THEN reset brings the default back everywhere', async () => {
    const r = await store.reset('whale_trade');
    expect(r.ok && r.value.source).toBe('default');
    expect(await redis.get(templateKey('whale_trade'))).toBeNull();
    expect(await stored('whale_trade')).toBeUndefined();
    expect(await store.content('whale_trade')).toBe(DEFAULT_TEMPLATES.whale_trade);
  });
});
