/**
 * Scheduler service (SPEC.md §8): the daily report at 00:00 Asia/Seoul and the KRX/US market
 * open and close notices, each exactly once per slot across replicas and restarts.
 *
 * - Triggers: node-cron runs a tick at `0 0 * * *` in Asia/Seoul (the daily report, on the
 *   second) and at every minute (market notices: session times come from the calendar, so
 *   late opens, early closes and holidays edited by admins need no new cron lines). A tick
 *   also runs at start-up, so a process that was down at a slot's time catches up within
 *   the slot's window (2 h for the report, 10 min for notices; see `slots.ts`).
 * - Each tick computes the due slots from the clock (`infra.clock`, injectable) and the
 *   market calendar (reloaded from the database each tick), then claims each slot in
 *   `job_runs` (`job-runs.ts`) and runs the ones it won.
 * - A slot's event goes into the outbox in the transaction that marks the slot DONE; it is
 *   published right after commit (and by the engine's outbox relay otherwise). Event ids
 *   are derived from the slot, so even a repeated publish is one Discord post.
 * - {@link Scheduler.forceDailyReport} runs the report by hand for any KST day (a new slot
 *   each time, so it always posts); also `POST /internal/scheduler/daily-report` with
 *   `{"date": "YYYY-MM-DD"}` (default: today so far, KST) from the machine itself.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import cron from 'node-cron';
import type { ScheduledTask } from 'node-cron';
import type { MarketCalendar } from '../core/calendar.js';
import type { DailyReportData, DomainEvent, MarketSessionData } from '../core/events.js';
import { Decimal } from '../core/money.js';
import type { Clock } from '../core/ports.js';
import { loadMarketCalendar } from '../platform/db/calendar.repository.js';
import type { RunningService, ServiceStarter } from '../platform/process.js';
import type { Infra } from '../platform/runtime.js';
import { insertOutbox, publishCommitted, stableEventId } from '../notifier/event-outbox.js';
import { composeReport, measureEquity, writeSnapshots } from './daily-report.js';
import { DEFAULT_CLAIM, claimRun, failRun, finishRun } from './job-runs.js';
import type { ClaimOptions, RunClaim } from './job-runs.js';
import { DEFAULT_WINDOWS, REPORT_ZONE, dueSlots, kstDate, kstDayBounds } from './slots.js';
import type { DueSlot, SlotWindows } from './slots.js';

export interface SchedulerOptions {
  /** Time source (default `infra.clock`). */
  clock?: Clock;
  windows?: SlotWindows;
  claim?: ClaimOptions;
  /** Schedule node-cron triggers on start (default true; tests drive {@link Scheduler.tick}). */
  cron?: boolean;
}

/** What a tick did with one due slot. */
export interface SlotRun {
  job: string;
  slot: string;
  /** `ran`: this replica ran it; `skipped`: done or held elsewhere; `failed`: the run threw. */
  outcome: 'ran' | 'skipped' | 'failed';
  event_id?: string;
  error?: string;
}

export interface Scheduler {
  /** Run every due slot now. Ticks never overlap within one scheduler. */
  tick(): Promise<SlotRun[]>;
  /**
   * Run the daily report by hand for `day` (`YYYY-MM-DD`, KST; default today so far) and
   * post it, whatever ran before. @throws Error on a malformed day.
   */
  forceDailyReport(day?: string): Promise<DailyReportData>;
  /** The last tick's time and what it ran (for health). */
  status(): { last_tick_at: string | null; last_ran: SlotRun[] };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Build a scheduler on the process's infrastructure. */
export function createScheduler(infra: Infra, options: SchedulerOptions = {}): Scheduler {
  const clock = options.clock ?? infra.clock;
  const windows = options.windows ?? DEFAULT_WINDOWS;
  const claimOptions = options.claim ?? DEFAULT_CLAIM;
  const seq = infra.db.sequelize;
  const logger = infra.logger.child({ component: 'scheduler' });
  const startingCash = new Decimal(infra.config.STARTING_CASH_KRW.toFixed());
  const publishDeps = { sequelize: seq, eventBus: infra.eventBus, redis: infra.redis.client, logger };
  const done = new Set<string>(); // slots this process ran: no need to ask the database again
  let tasks: ScheduledTask[] = [];
  let current: Promise<SlotRun[]> | null = null;
  let stopped = false;
  let lastTickAt: string | null = null;
  let lastRan: SlotRun[] = [];

  const calendar = async (): Promise<MarketCalendar> => {
    try {
      return await loadMarketCalendar(seq);
    } catch (error) {
      logger.warn({ err: error }, 'could not reload the market calendar; using the one loaded at start');
      return infra.calendar;
    }
  };

  const reportEvent = async (claim: RunClaim, day: string, forced: boolean): Promise<{ event: DomainEvent; data: DailyReportData }> => {
    const bounds = kstDayBounds(day);
    const players = await measureEquity({ sequelize: seq, quotes: infra.quotes, startingCash }, day, bounds.end);
    const data = await composeReport(seq, day, bounds, players, forced);
    const event: DomainEvent = {
      id: stableEventId(`daily_report:${claim.slot}`),
      type: 'daily_report',
      occurred_at: clock.now().toISOString(),
      data: { ...data },
    };
    await seq.transaction(async (t) => {
      await writeSnapshots(seq, t, day, players);
      await insertOutbox(seq, t, [event]);
      await finishRun(seq, t, claim, { event_id: event.id, players: players.length });
    });
    return { event, data };
  };

  const noticeEvent = async (claim: RunClaim, slot: Extract<DueSlot, { job: 'market_open' | 'market_close' }>): Promise<DomainEvent> => {
    const data: MarketSessionData = {
      market: slot.market,
      date: slot.session.date,
      open_at: slot.session.open.toISOString(),
      close_at: slot.session.close.toISOString(),
      ...(slot.session.name === undefined ? {} : { session_name: slot.session.name }),
    };
    const event: DomainEvent = { id: stableEventId(`${slot.job}:${slot.slot}`), type: slot.job, occurred_at: slot.at.toISOString(), data: { ...data } };
    await seq.transaction(async (t) => {
      await insertOutbox(seq, t, [event]);
      await finishRun(seq, t, claim, { event_id: event.id });
    });
    return event;
  };

  const runSlot = async (slot: DueSlot): Promise<SlotRun> => {
    const key = `${slot.job}/${slot.slot}`;
    if (done.has(key)) return { job: slot.job, slot: slot.slot, outcome: 'skipped' };
    const claim = await claimRun(seq, slot.job, slot.slot, claimOptions);
    // null: done, or running elsewhere (taken over by a later tick if that run goes stale).
    if (claim === null) return { job: slot.job, slot: slot.slot, outcome: 'skipped' };
    try {
      const event = slot.job === 'daily_report' ? (await reportEvent(claim, slot.day, false)).event : await noticeEvent(claim, slot);
      done.add(key);
      await publishCommitted(publishDeps, [event]);
      logger.info({ job: slot.job, slot: slot.slot, event_id: event.id, attempt: claim.attempt }, 'scheduled job ran');
      return { job: slot.job, slot: slot.slot, outcome: 'ran', event_id: event.id };
    } catch (error) {
      logger.error({ err: error, job: slot.job, slot: slot.slot }, 'scheduled job failed; it will be retried');
      await failRun(seq, claim, error).catch((e: unknown) => logger.error({ err: e }, 'could not record the failure'));
      return { job: slot.job, slot: slot.slot, outcome: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  };

  const tickOnce = async (): Promise<SlotRun[]> => {
    const now = clock.now();
    const slots = dueSlots(await calendar(), now, windows);
    const out: SlotRun[] = [];
    for (const slot of slots) {
      if (stopped) break;
      out.push(await runSlot(slot));
    }
    // The set only needs slots still inside a window.
    if (done.size > 1_000) done.clear();
    lastTickAt = now.toISOString();
    const ran = out.filter((r) => r.outcome !== 'skipped');
    if (ran.length > 0) lastRan = ran;
    return out;
  };

  const tick = (): Promise<SlotRun[]> => {
    const previous = current ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(tickOnce);
    current = next;
    return next;
  };

  const safeTick = (): void => {
    tick().catch((error: unknown) => logger.error({ err: error }, 'scheduler tick failed'));
  };

  return {
    tick,
    status: () => ({ last_tick_at: lastTickAt, last_ran: lastRan }),
    async forceDailyReport(day?: string) {
      const d = day ?? kstDate(clock.now());
      kstDayBounds(d); // validates
      const claim = await claimRun(seq, 'daily_report', `${d}/forced/${randomUUID()}`, claimOptions);
      if (claim === null) throw new Error('could not claim a forced daily report slot');
      try {
        const { event, data } = await reportEvent(claim, d, true);
        await publishCommitted(publishDeps, [event]);
        logger.info({ day: d, event_id: event.id }, 'daily report forced');
        return data;
      } catch (error) {
        await failRun(seq, claim, error).catch(() => undefined);
        throw error;
      }
    },
    async start() {
      stopped = false;
      if (options.cron !== false) {
        const cronLogger = {
          info: (m: string) => logger.debug({ source: 'node-cron' }, m),
          warn: (m: string) => logger.warn({ source: 'node-cron' }, m),
          error: (m: string | Error, e?: Error) => logger.error({ source: 'node-cron', err: e ?? m }, String(m)),
          debug: (m: string | Error) => logger.debug({ source: 'node-cron' }, String(m)),
        };
        tasks = [
          cron.schedule('0 0 * * *', safeTick, { name: 'gaemi-daily-report', timezone: REPORT_ZONE, logger: cronLogger }),
          cron.schedule('* * * * *', safeTick, { name: 'gaemi-market-notices', logger: cronLogger }),
        ];
      }
      await tick();
    },
    async stop() {
      stopped = true;
      for (const t of tasks) await t.destroy();
      tasks = [];
      await current?.catch(() => undefined);
    },
  };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The scheduler as a process service (`npm run start:scheduler`, and in the all-in-one `npm start`). */
export const startScheduler: ServiceStarter = async (infra, http) => {
  const scheduler = createScheduler(infra);
  await scheduler.start();
  // Operators (and the demo) force a report from the machine itself; not routed publicly.
  http.app.post('/internal/scheduler/daily-report', express.json({ limit: '1kb' }), async (req, res) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
      res.status(403).json({ error: { code: 'FORBIDDEN', message: 'only from the machine itself' } });
      return;
    }
    const body: unknown = req.body;
    const date = typeof body === 'object' && body !== null && 'date' in body ? (body).date : undefined;
    if (date !== undefined && (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date))) {
      res.status(400).json({ error: { code: 'INVALID_INPUT', message: 'date must be YYYY-MM-DD (a KST day)' } });
      return;
    }
    try {
      res.json({ report: await scheduler.forceDailyReport(date) });
    } catch (error) {
      infra.logger.error({ err: error }, 'forced daily report failed');
      res.status(500).json({ error: { code: 'INTERNAL', message: 'the daily report could not be run' } });
    }
  });
  infra.health.register({ name: 'scheduler', mode: 'internal', check: () => Promise.resolve({ up: true, details: scheduler.status() }) });
  const service: RunningService = { name: 'scheduler', stop: () => scheduler.stop() };
  return service;
};
