/**
 * Composition root of the scheduler process: `npm run start:scheduler`. Reads config once,
 * opens the infrastructure (embedded stand-ins where service URLs are unset), starts the
 * scheduler (daily report, market open/close notices), serves `/healthz` and `/readyz` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { startScheduler } from './scheduler.service.js';

runProcess('scheduler', [startScheduler]);
