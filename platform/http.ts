/**
 * The process's HTTP server: `/healthz` and `/readyz` on `PORT` (SPEC §9), and the place
 * where services mount their routes (the api under `/api/v1`, the bot at `/interactions`).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import type { HealthRegistry } from './health.js';

export interface HttpHost {
  app: Express;
  /** Bound port, after {@link listen}. */
  port(): number;
  listen(port: number, host?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Build the app with the health routes.
 * - `GET /healthz` → 200 `{"status":"ok","process":name,"uptime_s":n}` while the process runs.
 * - `GET /readyz` → 200 when every component is up, else 503; body
 *   `{"status":"ready"|"not_ready","components":{"postgres":{"up":true,"mode":"embedded",…},…}}`.
 */
export function createHttpHost(name: string, health: HealthRegistry): HttpHost {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const started = Date.now();
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', process: name, uptime_s: Math.round((Date.now() - started) / 1000) });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await health.readiness();
    res.status(report.status === 'ready' ? 200 : 503).json({ process: name, ...report });
  });
  let server: http.Server | undefined;
  const sockets = new Set<Socket>();
  return {
    app,
    port: () => (server?.address() as AddressInfo | null)?.port ?? 0,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        server = http.createServer(app);
        server.on('connection', (s) => {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
        });
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      }),
    close: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        // Keep-alive connections would hold close() open past the shutdown budget.
        server.closeIdleConnections();
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 1_000).unref();
      }),
  };
}
