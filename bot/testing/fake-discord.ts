/**
 * Test double of Discord at the network edge: a local HTTP server that answers the REST
 * routes the bot calls with Discord's documented response shapes and records every request,
 * plus a minimal gateway (WebSocket: HELLO, IDENTIFY → READY, heartbeats, dispatches).
 * Reached through `DISCORD_API_BASE = <fake.apiBase>`. Tests await requests with deadlines.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/** One request the fake received. `path` is relative to the API base (`/webhooks/…`). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A canned answer: status and JSON body. */
export interface FakeAnswer {
  status: number;
  body: unknown;
}

/** Decide the answer of a request; return undefined for the default. */
export type Responder = (req: RecordedRequest) => FakeAnswer | undefined;

const API_PREFIX = '/api/v10';

function message(id: string, channelId: string, body: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    type: 0,
    channel_id: channelId,
    content: body['content'] ?? '',
    embeds: body['embeds'] ?? [],
    author: { id: '100000000000000001', username: 'gaemi', discriminator: '0', avatar: null, global_name: null, bot: true },
    attachments: [],
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    pinned: false,
    tts: false,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    flags: 0,
    components: [],
  };
}

/** Default answers, shaped like Discord's (API v10). */
function defaultAnswer(req: RecordedRequest, wsUrl: string): FakeAnswer {
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  if (req.method === 'PUT' && /^\/applications\/[^/]+(\/guilds\/[^/]+)?\/commands$/.test(req.path) && Array.isArray(req.body)) {
    const app = req.path.split('/')[2] ?? '0';
    const guild = /\/guilds\/([^/]+)/.exec(req.path)?.[1];
    return {
      status: 200,
      body: (req.body as Record<string, unknown>[]).map((c, i) => ({
        id: String(200000000000000000n + BigInt(i)),
        application_id: app,
        ...(guild === undefined ? {} : { guild_id: guild }),
        version: '1',
        default_member_permissions: null,
        type: 1,
        ...c,
      })),
    };
  }
  if (req.method === 'PATCH' && /^\/webhooks\/[^/]+\/[^/]+\/messages\/@original$/.test(req.path)) {
    return { status: 200, body: message('300000000000000001', '400000000000000001', body) };
  }
  if (req.method === 'POST' && /^\/interactions\/[^/]+\/[^/]+\/callback$/.test(req.path)) return { status: 204, body: null };
  if (req.method === 'POST' && req.path === '/users/@me/channels') {
    return {
      status: 200,
      body: { id: '500000000000000001', type: 1, last_message_id: null, flags: 0, recipients: [{ id: body['recipient_id'], username: 'player', discriminator: '0', avatar: null, global_name: null }] },
    };
  }
  if (req.method === 'POST' && /^\/channels\/[^/]+\/messages$/.test(req.path)) {
    return { status: 200, body: message('600000000000000001', req.path.split('/')[2] ?? '0', body) };
  }
  if (req.method === 'GET' && req.path === '/gateway/bot') {
    return { status: 200, body: { url: wsUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } } };
  }
  return { status: 404, body: { message: 'Unknown route (fake)', code: 0 } };
}

/** The fake. */
export class FakeDiscord {
  readonly requests: RecordedRequest[] = [];
  private readonly waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  private responder: Responder = () => undefined;
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private seq = 0;
  private readyWaiters: (() => void)[] = [];
  private identified = false;
  /** The last IDENTIFY payload received over the gateway. */
  identify: Record<string, unknown> | null = null;
  /** Application id the fake gateway reports in READY. */
  applicationId = '123456789012345678';

  private constructor() {
    this.server = http.createServer((req, res) => this.onHttp(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/gateway' });
    this.wss.on('connection', (ws) => this.onGateway(ws));
  }

  static async start(): Promise<FakeDiscord> {
    const fake = new FakeDiscord();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `DISCORD_API_BASE` for the bot. */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}${API_PREFIX}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /** Override answers (return undefined to keep the default). */
  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  /** Forget recorded requests and custom answers. */
  reset(): void {
    this.requests.length = 0;
    this.responder = () => undefined;
  }

  /** Requests matching `method` and a path pattern. */
  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** Resolve with the first (past or future) request matching, or reject at the deadline. */
  waitFor(method: string, path: RegExp, timeoutMs = 10_000, where: (r: RecordedRequest) => boolean = () => true): Promise<RecordedRequest> {
    const match = (r: RecordedRequest) => r.method === method && path.test(r.path) && where(r);
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: RecordedRequest) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${method} ${String(path)} within ${timeoutMs} ms; saw: ${this.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Resolve once a gateway client has identified (READY sent). */
  gatewayReady(timeoutMs = 10_000): Promise<void> {
    if (this.identified) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no gateway IDENTIFY within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Send a dispatch (`op: 0`) to every connected gateway client. */
  dispatch(t: string, d: unknown): void {
    this.seq += 1;
    const frame = JSON.stringify({ op: 0, s: this.seq, t, d });
    for (const ws of this.sockets) ws.send(frame);
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      const url = new URL(req.url ?? '/', 'http://fake');
      // Clients may percent-encode route segments (@discordjs/rest sends `%40original`).
      const pathname = decodeURIComponent(url.pathname);
      const path = pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : pathname;
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body };
      this.requests.push(recorded);
      const answer = this.responder(recorded) ?? defaultAnswer(recorded, this.wsUrl);
      if (answer.status === 204) {
        res.writeHead(204).end();
      } else {
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      }
      for (const w of [...this.waiters]) {
        if (w.match(recorded)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(recorded);
        }
      }
    });
  }

  private onGateway(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 } }));
    ws.on('message', (raw: Buffer) => {
      let frame: { op?: number; d?: unknown };
      try {
        frame = JSON.parse(raw.toString('utf8')) as { op?: number; d?: unknown };
      } catch {
        return;
      }
      if (frame.op === 1) ws.send(JSON.stringify({ op: 11 }));
      if (frame.op === 2) {
        this.identify = (frame.d ?? null) as Record<string, unknown> | null;
        this.seq += 1;
        ws.send(
          JSON.stringify({
            op: 0,
            s: this.seq,
            t: 'READY',
            d: {
              v: 10,
              user: { id: '100000000000000001', username: 'gaemi', discriminator: '0', avatar: null, global_name: null, bot: true },
              guilds: [],
              session_id: 'fake-session',
              resume_gateway_url: this.wsUrl,
              shard: [0, 1],
              application: { id: this.applicationId, flags: 0 },
            },
          }),
        );
        this.identified = true;
        for (const w of this.readyWaiters.splice(0)) w();
      }
    });
  }
}
