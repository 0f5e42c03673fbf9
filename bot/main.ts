/**
 * Composition root of the bot process: `npm run start:bot`. Reads config once, opens
 * the infrastructure (embedded stand-ins where service URLs are unset), starts the bot,
 * serves `/healthz` and `/readyz` on `PORT`.
 */
import { runProcess } from '../platform/process.js';
import { startBot } from './bot.service.js';

runProcess('bot', [startBot]);
