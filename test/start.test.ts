/**
 * The README's promise: `npm start` on a fresh clone with no service URLs starts the whole
 * game on embedded parts, answers `/readyz`, stops on Ctrl-C within 5 s and reuses `.data`
 * on the next start; with URLs set it uses the real services; a bad value stops it with
 * one clear line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEntry } from './support/child.js';
import type { Child } from './support/child.js';
import { createTestDatabase } from './support/database.js';
import type { TestDatabase } from './support/database.js';
import { createTestRedis } from './support/redis.js';
import type { TestRedis } from './support/redis.js';
import { createTestVhost } from './support/amqp.js';
import type { TestVhost } from './support/amqp.js';

interface Readiness {
  status: string;
  components: Record<string, { up: boolean; mode: string }>;
}

async function readyz(port: string): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

async function stopWithin(child: Child, ms: number): Promise<{ code: number | null; elapsed: number }> {
  const t0 = Date.now();
  child.kill('SIGINT');
  const { code } = await child.exited(ms + 5_000);
  return { code, elapsed: Date.now() - t0 };
}

const READY = /ready — http:\/\/localhost:(\d+)\/readyz/;

describe('GIVEN no service URLs (a fresh machine)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaemi-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('THEN npm start runs on embedded parts, is ready, stops on SIGINT within 5 s, and reuses .data', async () => {
    const first = runEntry('main.ts', { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    try {
      const [, port = ''] = await first.waitFor(READY, 60_000);
      expect(first.stdout()).toMatch(/PostgreSQL EMBEDDED/);
      expect(first.stdout()).toMatch(/Redis\s+EMBEDDED/);
      expect(first.stdout()).toMatch(/RabbitMQ\s+EMBEDDED/);
      const { status, body } = await readyz(port);
      expect(status).toBe(200);
      expect(body.status).toBe('ready');
      for (const name of ['postgres', 'redis', 'amqp', 'feeder', 'engine', 'notifier', 'scheduler', 'bot', 'api']) {
        expect(body.components[name]?.up, name).toBe(true);
      }
      // SPEC §9: /metrics is not public in the all-in-one process (the api guards it).
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      expect(body.components.postgres?.mode).toBe('embedded');
      expect(body.components.redis?.mode).toBe('embedded');
      expect(body.components.amqp?.mode).toBe('embedded');
      expect(first.stdout()).toMatch(/migrations applied/);
      const stopped = await stopWithin(first, 5_000);
      expect(stopped.code).toBe(0);
      expect(stopped.elapsed).toBeLessThan(5_000);
    } finally {
      first.kill('SIGKILL');
    }
    expect(fs.existsSync(path.join(dataDir, 'pg'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'pg.lock'))).toBe(false);

    const second = runEntry('main.ts', { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    try {
      const [, port = ''] = await second.waitFor(READY, 60_000);
      expect(second.stdout()).not.toMatch(/migrations applied/);
      expect(second.stdout()).not.toMatch(/seed rows inserted/);
      expect((await readyz(port)).status).toBe(200);
      expect((await stopWithin(second, 5_000)).code).toBe(0);
    } finally {
      second.kill('SIGKILL');
    }
  }, 150_000);
});

describe('GIVEN DATABASE_URL, REDIS_URL and AMQP_URL', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let vhost: TestVhost;
  beforeAll(async () => {
    [db, redis, vhost] = await Promise.all([createTestDatabase('start', { migrated: false }), createTestRedis(), createTestVhost('start')]);
  });
  afterAll(async () => {
    await Promise.all([db.drop(), redis.release(), vhost.drop()]);
  });

  it('THEN the same start uses the real services and /readyz says so', async () => {
    const child = runEntry('main.ts', { PORT: '0', DATABASE_URL: db.url, REDIS_URL: redis.url, AMQP_URL: vhost.url });
    try {
      const [, port = ''] = await child.waitFor(READY, 60_000);
      expect(child.stdout()).not.toMatch(/EMBEDDED/);
      const { status, body } = await readyz(port);
      expect(status).toBe(200);
      expect(body.components.postgres).toMatchObject({ up: true, mode: 'real' });
      expect(body.components.redis).toMatchObject({ up: true, mode: 'real' });
      expect(body.components.amqp).toMatchObject({ up: true, mode: 'real' });
      const stopped = await stopWithin(child, 5_000);
      expect(stopped.code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('GIVEN a bad configuration value', () => {
  it('THEN start-up stops with exit code 1 and one line naming the variable', async () => {
    const child = runEntry('main.ts', { TRADING_FEE_RATE: 'abc' });
    const { code } = await child.exited(30_000);
    expect(code).toBe(1);
    const lines = child.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: TRADING_FEE_RATE=abc: must be a decimal number/);
  }, 40_000);
});
