/**
 * All-in-one composition root (`npm start`): feeder, engine, notifier, scheduler, bot and
 * api in one process, sharing one set of connections. With no `DATABASE_URL`, `REDIS_URL` or `AMQP_URL`, the
 * embedded stand-ins are used and the banner says so (SPEC §1).
 */
import { startApi } from './api/api.service.js';
import { startBot } from './bot/bot.service.js';
import { startEngine } from './engine/engine.service.js';
import { startFeeder } from './feeder/feeder.service.js';
import { startNotifier } from './notifier/notifier.service.js';
import { runProcess } from './platform/process.js';
import { startScheduler } from './scheduler/scheduler.service.js';

runProcess('gaemi', [startFeeder, startEngine, startNotifier, startScheduler, startBot, startApi]);
