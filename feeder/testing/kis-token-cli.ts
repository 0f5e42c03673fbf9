/**
 * Test helper run as a separate process: asks the shared KIS token provider for a token and
 * prints it. Usage: `tsx feeder/testing/kis-token-cli.ts <redis-url> <kis-base-url>`.
 */
import { Redis } from 'ioredis';
import { KisTokenProvider } from '../kis/kis-token.js';

const [redisUrl, baseUrl] = process.argv.slice(2);
if (redisUrl === undefined || baseUrl === undefined) {
  process.stderr.write('usage: kis-token-cli <redis-url> <kis-base-url>\n');
  process.exit(2);
}
const redis = new Redis(redisUrl);
const provider = new KisTokenProvider({ redis, baseUrl, appKey: 'test-key', appSecret: 'test-secret', timeoutMs: 5_000, refreshBeforeMs: 3_600_000, waitMs: 10_000 });
try {
  process.stdout.write(`${await provider.token()}\n`);
} finally {
  redis.disconnect();
}
