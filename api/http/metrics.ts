/**
 * Prometheus metrics of the api (prom-client), served at `/metrics` behind admin auth
 * together with the process-wide default registry (feeder, engine, Node.js defaults).
 *
 * - `gaemi_api_http_requests_total{method,route,status}`
 * - `gaemi_api_http_request_duration_seconds{method,route}`
 * - `gaemi_api_streams_open`: open SSE streams
 * - `gaemi_api_orders_queue_depth{queue}`: `orders.settle` and `orders.dead`, read at scrape time
 */
import client from 'prom-client';
import type { RequestHandler } from 'express';

export class ApiMetrics {
  readonly registry = new client.Registry();
  private readonly requests: client.Counter<'method' | 'route' | 'status'>;
  private readonly duration: client.Histogram<'method' | 'route'>;
  readonly streams: client.Gauge;

  constructor(queueDepth: () => Promise<{ settle: number; dead: number }>) {
    const registers = [this.registry];
    this.requests = new client.Counter({
      name: 'gaemi_api_http_requests_total',
      help: 'HTTP requests answered by the api',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new client.Histogram({
      name: 'gaemi_api_http_request_duration_seconds',
      help: 'Time to answer an api request (streams excluded)',
      labelNames: ['method', 'route'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.streams = new client.Gauge({ name: 'gaemi_api_streams_open', help: 'Open SSE streams', registers });
    new client.Gauge({
      name: 'gaemi_api_orders_queue_depth',
      help: 'Messages in the order queue (settle) and the dead-letter queue (dead)',
      labelNames: ['queue'],
      registers,
      async collect() {
        try {
          const d = await queueDepth();
          this.set({ queue: 'settle' }, d.settle);
          this.set({ queue: 'dead' }, d.dead);
        } catch {
          this.reset(); // the broker did not answer: no sample rather than a stale one
        }
      },
    });
    if (client.register.getSingleMetric('process_cpu_user_seconds_total') === undefined) client.collectDefaultMetrics();
  }

  /** Count and time every request by its route pattern (never the raw path: ids would explode the label set). */
  middleware(prefix: string): RequestHandler {
    return (req, res, next) => {
      const end = this.duration.startTimer();
      res.on('finish', () => {
        const routePath = (req.route as { path?: unknown } | undefined)?.path;
        const route = typeof routePath === 'string' ? `${prefix}${routePath}` : 'unmatched';
        const labels = { method: req.method, route };
        if (!String(res.getHeader('Content-Type') ?? '').startsWith('text/event-stream')) end(labels);
        this.requests.inc({ ...labels, status: String(res.statusCode) });
      });
      next();
    };
  }

  /** The exposition text of the process-wide registry plus the api's. */
  async render(): Promise<{ contentType: string; body: string }> {
    const merged = client.Registry.merge([client.register, this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
