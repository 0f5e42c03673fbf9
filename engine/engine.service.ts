/**
 * Engine service: consumes `orders.settle` and settles orders (SPEC §5).
 * (Skeleton: settlement arrives with the engine issue.)
 */
import type { RunningService, ServiceStarter } from '../platform/process.js';

export const startEngine: ServiceStarter = (infra) => {
  infra.health.register({ name: 'engine', mode: 'internal', check: () => Promise.resolve({ up: true }) });
  const service: RunningService = { name: 'engine', stop: () => Promise.resolve() };
  return Promise.resolve(service);
};
