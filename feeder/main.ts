/**
 * Composition root of the feeder process: `npm run start:feeder`. Reads config once, opens
 * the infrastructure (embedded stand-ins where service URLs are unset), starts the feeder,
 * serves `/healthz` and `/readyz` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { startFeeder } from './feeder.service.js';

runProcess('feeder', [startFeeder]);
