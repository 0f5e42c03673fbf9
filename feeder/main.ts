/**
 * Composition root of the feeder process: `npm run start:feeder`. Reads config once, opens
 * the infrastructure (embedded stand-ins where service URLs are unset), starts the feeder,
 * serves `/healthz`, `/readyz` and `/metrics` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { serveFeederMetrics, startFeeder } from './feeder.service.js';

runProcess('feeder', [startFeeder, serveFeederMetrics]);
