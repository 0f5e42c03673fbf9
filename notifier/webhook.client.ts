/**
 * The {@link WebhookClient} port over Node's `fetch`: JSON bodies, a per-request timeout, and
 * the answer returned whatever its status (the delivery loop decides what a status means).
 * Network failures, timeouts and {@link FetchWebhookClient.abortAll} throw.
 */
import type { HttpResult, WebhookClient } from '../core/ports.js';

export class FetchWebhookClient implements WebhookClient {
  private shutdown = new AbortController();

  /** @param timeoutMs how long one request may take, in ms (default 10,000). */
  constructor(private readonly timeoutMs = 10_000) {}

  /** Abort requests in flight (at shutdown, when they overrun the grace period). */
  abortAll(): void {
    this.shutdown.abort(new Error('notifier shutting down'));
    this.shutdown = new AbortController();
  }

  post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.send('POST', url, body, headers);
  }

  patch(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.send('PATCH', url, body, headers);
  }

  private async send(method: string, url: string, body: unknown, headers: Record<string, string>): Promise<HttpResult> {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', 'user-agent': 'GaemiNotifier/1.0', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.shutdown.signal]),
      redirect: 'error',
    });
    const out: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      out[key.toLowerCase()] = value;
    });
    return { status: res.status, headers: out, body: await res.text() };
  }
}
