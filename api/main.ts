/**
 * Composition root of the api process: `npm run start:api`. Reads config once, opens
 * the infrastructure (embedded stand-ins where service URLs are unset), starts the api,
 * serves `/healthz` and `/readyz` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { startApi } from './api.service.js';

runProcess('api', [startApi]);
