/**
 * A local stand-in for Discord's webhook endpoint (tests only): `POST /api/webhooks/:id/:token`
 * answers like Discord does — `?wait=true` returns the created message JSON with
 * `X-RateLimit-*` headers; scripted faults answer 429 (`{message, retry_after, global}` and
 * `Retry-After`), 5xx, 404 `{"message": "Unknown Webhook", "code": 10015}`, or drop the
 * connection. Only messages answered 2xx count as received (Discord did not post the others).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'rate_limited'; retryAfterS: number; via: 'body' | 'header'; global?: boolean }
  | { kind: 'server_error'; status: number }
  | { kind: 'not_found' }
  | { kind: 'drop' }
  | { kind: 'hang' }
  | { kind: 'ok_bucket_empty'; resetAfterS: number };

export interface Received {
  path: string;
  body: { content: string; embeds?: unknown[]; allowed_mentions?: unknown };
  at: number;
}

export interface RequestLog {
  path: string;
  query: string;
  at: number;
  /** HTTP status answered, or 0 for a dropped connection. */
  status: number;
  content: string;
}

export class WebhookCapture {
  readonly received: Received[] = [];
  readonly requests: RequestLog[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly permanent = new Map<string, Fault>();
  private server: http.Server | null = null;
  private nextId = 1_000_000_000_000_000n;

  /** Start listening on a free port of 127.0.0.1. */
  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  /** The webhook URL for a path name, e.g. `url('alerts')` → `http://127.0.0.1:PORT/api/webhooks/1/alerts`. */
  url(name: string): string {
    const port = (this.server?.address() as AddressInfo | null)?.port ?? 0;
    return `http://127.0.0.1:${port}/api/webhooks/1/${name}`;
  }

  /** Answer the next requests to `name` with these faults, in order; then 200. */
  script(name: string, faults: Fault[]): void {
    this.faults.set(`/api/webhooks/1/${name}`, [...faults]);
  }

  /** Answer every request to `name` with this fault. */
  always(name: string, fault: Fault): void {
    this.permanent.set(`/api/webhooks/1/${name}`, fault);
  }

  receivedBy(name: string): string[] {
    return this.received.filter((r) => r.path === `/api/webhooks/1/${name}`).map((r) => r.body.content);
  }

  requestsTo(name: string): RequestLog[] {
    return this.requests.filter((r) => r.path === `/api/webhooks/1/${name}`);
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const path = u.pathname;
      const at = Date.now();
      let body: Received['body'] = { content: '' };
      try {
        body = JSON.parse(raw) as Received['body'];
      } catch {
        body = { content: '' };
      }
      const log = (status: number) => this.requests.push({ path, query: u.search, at, status, content: body.content });
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        log(status);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.method !== 'POST' || !path.startsWith('/api/webhooks/')) return json(405, { message: '405: Method Not Allowed', code: 0 });
      const fault = this.permanent.get(path) ?? this.faults.get(path)?.shift();
      const bucket = { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset-after': '1.000', 'x-ratelimit-bucket': 'abcd1234' };
      switch (fault?.kind) {
        case 'rate_limited': {
          const payload = { message: 'You are being rate limited.', retry_after: fault.retryAfterS, global: fault.global ?? false };
          return fault.via === 'body'
            ? json(429, payload, { ...bucket, 'x-ratelimit-remaining': '0', 'x-ratelimit-scope': 'user' })
            : json(429, { message: 'You are being rate limited.', global: false }, { 'retry-after': String(fault.retryAfterS) });
        }
        case 'server_error':
          return json(fault.status, { message: 'Internal Server Error', code: 0 });
        case 'not_found':
          return json(404, { message: 'Unknown Webhook', code: 10015 });
        case 'drop':
          log(0);
          req.socket.destroy();
          return;
        case 'hang':
          log(0); // never answered; the connection closes when the client gives up or at stop()
          return;
        default: {
          this.received.push({ path, body, at });
          const id = String((this.nextId += 1n));
          const headers =
            fault?.kind === 'ok_bucket_empty' ? { ...bucket, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(fault.resetAfterS) } : bucket;
          return json(200, { id, type: 0, content: body.content, channel_id: '1', webhook_id: '1', embeds: body.embeds ?? [] }, headers);
        }
      }
    });
  }
}

/** Wait until `predicate()` holds, polling every 20 ms, or fail at the deadline (never a bare sleep). */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
