/**
 * Health of a process's components, served at `/healthz` (alive) and `/readyz` (every
 * component up). A component says whether it is `real` or `embedded` (SPEC §1) and may
 * add details (a feed's last success age, queue depth).
 */

export interface ComponentHealth {
  up: boolean;
  mode: 'real' | 'embedded' | 'internal';
  latency_ms?: number;
  error?: string;
  details?: Record<string, unknown>;
}

export interface HealthCheck {
  name: string;
  mode: 'real' | 'embedded' | 'internal';
  /** Resolve with details when healthy; throw (or return `{up:false}`) when not. */
  check(): Promise<Omit<ComponentHealth, 'mode' | 'latency_ms'> | void>;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  components: Record<string, ComponentHealth>;
}

/** Components register themselves; `/readyz` runs every check with a timeout. */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  register(check: HealthCheck): void {
    this.checks.set(check.name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  /** Run every check in parallel, each bounded by `timeoutMs` (default 2,000 ms). */
  async readiness(timeoutMs = 2_000): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks.values()].map(async (c): Promise<[string, ComponentHealth]> => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          const result = await Promise.race([
            c.check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          const latency_ms = Math.round(performance.now() - started);
          return [c.name, { up: true, ...(result ?? {}), mode: c.mode, latency_ms }];
        } catch (error) {
          return [c.name, { up: false, mode: c.mode, error: error instanceof Error ? error.message : String(error) }];
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    const components = Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
    return { status: entries.every(([, h]) => h.up) ? 'ready' : 'not_ready', components };
  }
}
