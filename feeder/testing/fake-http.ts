/**
 * A local HTTP server standing in for an outside API in tests (Upbit, KIS): the real client
 * code talks to it over the network. Routes answer with a status and a raw body; every
 * request is recorded.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Arrival time (ms since epoch). */
  at: number;
}

export interface FakeAnswer {
  status?: number;
  /** Raw body text (so tests can send malformed JSON or exact number tokens). */
  body: string;
  contentType?: string;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export type FakeRoute = (req: FakeRequest) => FakeAnswer | Promise<FakeAnswer>;

export interface FakeServer {
  url: string;
  requests: FakeRequest[];
  /** Set or replace the handler of `METHOD /path`. */
  route(key: string, handler: FakeRoute): void;
  count(key: string): number;
  close(): Promise<void>;
}

export async function startFakeServer(routes: Record<string, FakeRoute> = {}): Promise<FakeServer> {
  const table = new Map(Object.entries(routes));
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const fr: FakeRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(fr);
      const handler = table.get(`${fr.method} ${fr.path}`);
      void (async () => {
        const answer: FakeAnswer = handler ? await handler(fr) : { status: 404, body: '{"error":"no route"}' };
        if (answer.delayMs !== undefined) await new Promise((r) => setTimeout(r, answer.delayMs));
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json; charset=utf-8' });
        res.end(answer.body);
      })();
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (key, handler) => table.set(key, handler),
    count: (key) => requests.filter((r) => `${r.method} ${r.path}` === key).length,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Poll `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
