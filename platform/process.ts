/**
 * The life of a process: parse config (one clear line on a bad value, exit 1), open the
 * infrastructure, start the services, serve health on `PORT`, print the banner and
 * `ready`; on SIGINT/SIGTERM stop everything in reverse within `SHUTDOWN_TIMEOUT_MS`
 * (default 5 s), then exit.
 */
import type { Logger } from 'pino';
import { AppError, ErrorCode } from '../core/errors.js';
import { loadConfig } from './config.js';
import type { Config } from './config.js';
import { createHttpHost } from './http.js';
import type { HttpHost } from './http.js';
import { createLogger } from './logger.js';
import { openInfra } from './runtime.js';
import type { Infra } from './runtime.js';

/** A started service; `stop()` finishes in-flight work and releases resources. */
export interface RunningService {
  name: string;
  stop(): Promise<void>;
}

/** Starts one service on the shared infrastructure; may mount routes on `http.app`. */
export type ServiceStarter = (infra: Infra, http: HttpHost) => Promise<RunningService>;

export interface StartedProcess {
  infra: Infra;
  http: HttpHost;
  services: RunningService[];
  stop(): Promise<void>;
}

/** The banner that says which parts are embedded (SPEC §1). */
export function banner(name: string, infra: Infra, port: number): string {
  const part = (label: string, embedded: boolean, what: string) =>
    `  ${label.padEnd(10)} ${embedded ? `EMBEDDED  ${what}` : 'real      (from environment)'}`;
  const anyEmbedded = infra.embedded.postgres || infra.embedded.redis || infra.embedded.amqp;
  return [
    '',
    `  Gaemi (개미) — ${name} on http://localhost:${port}`,
    part('PostgreSQL', infra.embedded.postgres, `PGlite, data in ${infra.config.DATA_DIR}/pg (set DATABASE_URL for a real server)`),
    part('Redis', infra.embedded.redis, 'in-memory stand-in (set REDIS_URL)'),
    part('RabbitMQ', infra.embedded.amqp, 'in-process queue, not durable (set AMQP_URL)'),
    `  market     ${infra.config.MARKET_DATA_SOURCE}`,
    anyEmbedded ? '  Embedded parts are for development and demos only.' : '',
    '',
  ].join('\n');
}

/** Start a process: infra, services in order, HTTP. Used by every `main.ts` and by tests. */
export async function startProcess(
  name: string,
  config: Config,
  logger: Logger,
  starters: readonly ServiceStarter[],
): Promise<StartedProcess> {
  const infra = await openInfra(config, logger, { name });
  const http = createHttpHost(name, infra.health);
  const services: RunningService[] = [];
  const stop = async () => {
    await http.close();
    for (const s of [...services].reverse()) {
      try {
        await s.stop();
      } catch (error) {
        logger.warn({ err: error, service: s.name }, 'service did not stop cleanly');
      }
    }
    await infra.close();
  };
  try {
    for (const start of starters) services.push(await start(infra, http));
    await http.listen(config.PORT);
  } catch (error) {
    await stop();
    throw error;
  }
  return { infra, http, services, stop };
}

/**
 * Entry point of a process: never returns; exits 0 after a clean shutdown, 1 on a failed
 * start (with one line saying why), 1 when shutdown overruns its budget.
 */
export function runProcess(name: string, starters: readonly ServiceStarter[]): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL, { process: name });
  let started: StartedProcess | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeout_ms: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown took too long; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    void (started?.stop() ?? Promise.resolve()).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const t0 = Date.now();
  startProcess(name, config, logger, starters).then(
    (p) => {
      started = p;
      if (stopping) return;
      process.stdout.write(banner(name, p.infra, p.http.port()));
      process.stdout.write(`ready — http://localhost:${p.http.port()}/readyz (Ctrl-C to stop)\n`);
      logger.info({ port: p.http.port(), startup_ms: Date.now() - t0 }, 'ready');
    },
    (error: unknown) => {
      const line =
        error instanceof AppError && error.code !== ErrorCode.INTERNAL
          ? `${name} failed to start: ${error.message}`
          : `${name} failed to start: ${error instanceof Error ? error.message : String(error)}`;
      logger.fatal({ err: error }, 'start failed');
      process.stderr.write(`${line}\n`);
      process.exit(1);
    },
  );
}
