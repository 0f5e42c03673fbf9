/**
 * Discord bot service: slash commands over the gateway and `POST /interactions` (SPEC §7).
 * (Skeleton: commands arrive with the bot issue.)
 */
import type { RunningService, ServiceStarter } from '../platform/process.js';

export const startBot: ServiceStarter = (infra) => {
  infra.health.register({ name: 'bot', mode: 'internal', check: () => Promise.resolve({ up: true, details: { gateway: false, interactions: false } }) });
  const service: RunningService = { name: 'bot', stop: () => Promise.resolve() };
  return Promise.resolve(service);
};
