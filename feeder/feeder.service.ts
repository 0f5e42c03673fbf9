/**
 * Feeder service: market data → Redis prices and PostgreSQL candles (SPEC §4).
 * (Skeleton: the sources arrive with the feeder issue.)
 */
import type { RunningService, ServiceStarter } from '../platform/process.js';

export const startFeeder: ServiceStarter = (infra) => {
  infra.health.register({ name: 'feeder', mode: 'internal', check: () => Promise.resolve({ up: true, details: { sources: [] } }) });
  const service: RunningService = { name: 'feeder', stop: () => Promise.resolve() };
  return Promise.resolve(service);
};
