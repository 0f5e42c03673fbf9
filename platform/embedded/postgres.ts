/**
 * Embedded PostgreSQL (SPEC §1): PGlite in a child process, served over the Postgres wire
 * protocol on a free loopback port, data under `<DATA_DIR>/pg`. Used by `npm start` when
 * `DATABASE_URL` is unset. Known limit: PGlite runs one transaction at a time; a query
 * outside that transaction waits, so pools must set a finite acquire timeout.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { AppError, ErrorCode } from '../../core/errors.js';

export interface EmbeddedPostgres {
  url: string;
  dataDir: string;
  pid: number;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = fileURLToPath(new URL('./pglite-server.mjs', import.meta.url));

/**
 * Start PGlite on `dataDir` (created recursively).
 * @throws AppError(DEPENDENCY_UNAVAILABLE) when another process holds the directory's lock
 *   or PGlite does not come up within `startTimeoutMs` (default 60 s).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  maxConnections?: number;
  startTimeoutMs?: number;
}): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  const child: ChildProcess = fork(SERVER_SCRIPT, [dataDir, String(options.maxConnections ?? 64)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `embedded PostgreSQL did not start within ${options.startTimeoutMs ?? 60_000} ms`));
    }, options.startTimeoutMs ?? 60_000);
    child.once('message', (msg: unknown) => {
      clearTimeout(timer);
      const m = msg as { type?: string; port?: number; message?: string };
      if (m.type === 'ready' && typeof m.port === 'number') resolve(m.port);
      else reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `embedded PostgreSQL: ${m.message ?? 'failed to start'}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `embedded PostgreSQL exited with code ${String(code)} before it was ready`));
    });
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 4_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
