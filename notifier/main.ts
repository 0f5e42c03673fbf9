/**
 * Composition root of the notifier process: `npm run start:notifier`. Reads config once,
 * opens the infrastructure (embedded stand-ins where service URLs are unset), starts the
 * notifier, serves `/healthz` and `/readyz` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { startNotifier } from './notifier.service.js';

runProcess('notifier', [startNotifier]);
