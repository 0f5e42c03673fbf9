/**
 * A Redis logical database of its own for a test file (SPEC key names are exact, so files
 * running in parallel must not share a keyspace). Databases 1–15 are leased with a
 * `SET NX` lock in database 0 and flushed on lease and release.
 */
import { Redis } from 'ioredis';
import { loadConfig } from '../../platform/config.js';

export interface TestRedis {
  /** URL with the leased database index, e.g. `redis://127.0.0.1:6379/7`. */
  url: string;
  db: number;
  release(): Promise<void>;
}

const LEASE_TTL_S = 900;

export async function createTestRedis(): Promise<TestRedis> {
  const base = loadConfig().TEST_REDIS_URL;
  const admin = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      for (let db = 1; db <= 15; db += 1) {
        const token = `${process.pid}:${Date.now()}`;
        if ((await admin.set(`gaemi:test:lease:${db}`, token, 'EX', LEASE_TTL_S, 'NX')) === 'OK') {
          const u = new URL(base);
          u.pathname = `/${db}`;
          const url = u.toString();
          const flush = async () => {
            const r = new Redis(url, { maxRetriesPerRequest: 2 });
            await r.flushdb();
            await r.quit();
          };
          await flush();
          return {
            url,
            db,
            release: async () => {
              await flush();
              const a = new Redis(base, { maxRetriesPerRequest: 2 });
              if ((await a.get(`gaemi:test:lease:${db}`)) === token) await a.del(`gaemi:test:lease:${db}`);
              await a.quit();
            },
          };
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('no free Redis test database within 60 s');
  } finally {
    await admin.quit();
  }
}
