/**
 * REST API service: `/api/v1` (SPEC §9). (Skeleton: routes arrive with the API issue;
 * health is served by the process's HTTP host.)
 */
import type { RunningService, ServiceStarter } from '../platform/process.js';

export const startApi: ServiceStarter = (infra) => {
  infra.health.register({ name: 'api', mode: 'internal', check: () => Promise.resolve({ up: true }) });
  const service: RunningService = { name: 'api', stop: () => Promise.resolve() };
  return Promise.resolve(service);
};
