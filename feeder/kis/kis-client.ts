/**
 * A small client of the KIS (Korea Investment & Securities) Open API quotation endpoints.
 *
 * - Domestic price: `GET /uapi/domestic-stock/v1/quotations/inquire-price`, tr_id
 *   `FHKST01010100`, `FID_COND_MRKT_DIV_CODE=J`, `FID_INPUT_ISCD=<code>` →
 *   `output.stck_prpr` (price, KRW), `prdy_ctrt` (change %, vs previous close), `acml_vol`.
 * - Overseas price: `GET /uapi/overseas-price/v1/quotations/price`, tr_id `HHDFS00000300`,
 *   `AUTH=`, `EXCD=NAS|NYS|AMS`, `SYMB` → `output.last` (USD; `""` when there is no trade yet),
 *   `rate` (change %), `tvol`.
 * - Overseas detail (real server only): `GET /uapi/overseas-price/v1/quotations/price-detail`,
 *   tr_id `HHDFS76200200` → `output.t_rate`, KIS's USD/KRW rate of the day.
 *
 * Every request waits for the {@link RateLimiter}, carries `authorization: Bearer <token>`,
 * `appkey`, `appsecret`, `tr_id`, `custtype: P`. Errors (`rt_cd` ≠ `"0"`; KIS sends them with
 * HTTP 500 and `msg_cd`):
 * - `EGW00123` (token expired): the token is invalidated and the request retried once with a
 *   new one;
 * - `EGW00201` (requests per second exceeded): the limiter pauses a second; {@link KisError};
 * - anything else, HTTP errors, timeouts and non-JSON bodies: {@link KisError}.
 */
import type { KisTokenProvider } from './kis-token.js';
import type { RateLimiter } from './rate-limiter.js';

export class KisError extends Error {
  constructor(
    /** `EGW00201`, `EGW00123`, another `msg_cd`, `http_503`, `malformed`, `network`. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KisError';
  }
}

export interface KisClientOptions {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  tokens: KisTokenProvider;
  limiter: RateLimiter;
  timeoutMs: number;
}

export type KisOutput = Record<string, unknown>;

export class KisClient {
  /** Requests sent, by tr_id (tests, health). */
  readonly sent = new Map<string, number>();

  constructor(private readonly o: KisClientOptions) {}

  /** Make sure a token is at hand (issuing one if needed) before a burst of requests. */
  async ensureToken(signal?: AbortSignal): Promise<void> {
    await this.o.tokens.token(signal);
  }

  domesticPrice(code: string, signal?: AbortSignal): Promise<KisOutput> {
    return this.get('/uapi/domestic-stock/v1/quotations/inquire-price', 'FHKST01010100', { FID_COND_MRKT_DIV_CODE: 'J', FID_INPUT_ISCD: code }, signal);
  }

  overseasPrice(exchange: string, symbol: string, signal?: AbortSignal): Promise<KisOutput> {
    return this.get('/uapi/overseas-price/v1/quotations/price', 'HHDFS00000300', { AUTH: '', EXCD: exchange, SYMB: symbol }, signal);
  }

  overseasDetail(exchange: string, symbol: string, signal?: AbortSignal): Promise<KisOutput> {
    return this.get('/uapi/overseas-price/v1/quotations/price-detail', 'HHDFS76200200', { AUTH: '', EXCD: exchange, SYMB: symbol }, signal);
  }

  private async get(path: string, trId: string, query: Record<string, string>, signal?: AbortSignal): Promise<KisOutput> {
    for (let attempt = 0; ; attempt += 1) {
      await this.o.limiter.take(signal);
      const token = await this.o.tokens.token(signal);
      const url = new URL(path, this.o.baseUrl);
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
      const timeout = AbortSignal.timeout(this.o.timeoutMs);
      this.sent.set(trId, (this.sent.get(trId) ?? 0) + 1);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: {
            'content-type': 'application/json; charset=utf-8',
            authorization: `Bearer ${token}`,
            appkey: this.o.appKey,
            appsecret: this.o.appSecret,
            tr_id: trId,
            custtype: 'P',
          },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        throw new KisError('network', `KIS ${trId} request failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      const text = await response.text();
      let body: { rt_cd?: unknown; msg_cd?: unknown; msg1?: unknown; output?: unknown };
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        if (!response.ok) throw new KisError(`http_${response.status}`, `KIS ${trId} answered HTTP ${response.status}`);
        throw new KisError('malformed', `KIS ${trId} answered a body that is not JSON`);
      }
      if (typeof body !== 'object' || body === null) throw new KisError('malformed', `KIS ${trId} answered JSON that is not an object`);
      if (body.rt_cd === '0') {
        if (typeof body.output !== 'object' || body.output === null) throw new KisError('malformed', `KIS ${trId} answer has no output`);
        return body.output as KisOutput;
      }
      const code = typeof body.msg_cd === 'string' && body.msg_cd !== '' ? body.msg_cd : `http_${response.status}`;
      const message = `KIS ${trId}: ${code} ${typeof body.msg1 === 'string' ? body.msg1 : ''}`.trim();
      if (code === 'EGW00123' && attempt === 0) {
        await this.o.tokens.invalidate(token);
        continue;
      }
      if (code === 'EGW00201') this.o.limiter.penalise(1_000);
      throw new KisError(code, message);
    }
  }
}
