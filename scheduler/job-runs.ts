/**
 * Exactly-once job slots across replicas and restarts, on `job_runs (job, slot)`.
 *
 * - Claim: `INSERT … ON CONFLICT DO NOTHING`; the replica whose insert lands runs the slot.
 *   The row carries a random fencing `token`.
 * - Finish: the job's effects (e.g. the outbox event that becomes the Discord post) are
 *   written in the same transaction that sets the row DONE, and that update only matches
 *   while the row is still RUNNING with this run's token. So a slot's effects commit at
 *   most once, and a restart never re-posts: a DONE slot is never claimed again.
 * - Recovery rule: a RUNNING row older than `staleMs` (default 10 min; jobs take seconds) is
 *   a crashed run: the next tick takes it over with a new token (the old run, if somehow
 *   alive, can no longer finish). A FAILED row is retried on later ticks, up to
 *   `maxAttempts` (default 5) in all, while the slot is inside its window.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';

export interface ClaimOptions {
  staleMs: number;
  maxAttempts: number;
}

export const DEFAULT_CLAIM: ClaimOptions = { staleMs: 10 * 60_000, maxAttempts: 5 };

/** A claimed slot: finish it with {@link finishRun} inside the effects' transaction. */
export interface RunClaim {
  job: string;
  slot: string;
  token: string;
  /** 1 on the first run of the slot. */
  attempt: number;
}

/** Thrown by {@link finishRun} when the claim was taken over: the transaction must roll back. */
export class LostClaimError extends Error {
  constructor(job: string, slot: string) {
    super(`job ${job} slot ${slot} was taken over by another run`);
    this.name = 'LostClaimError';
  }
}

const OWNER = `${os.hostname()}:${process.pid}`;

/** Try to claim `(job, slot)`. @returns the claim, or null when it is done or another run holds it. */
export async function claimRun(seq: Sequelize, job: string, slot: string, opts: ClaimOptions = DEFAULT_CLAIM): Promise<RunClaim | null> {
  const token = randomUUID();
  const [inserted] = await seq.query<{ attempt: number }>(
    `INSERT INTO job_runs (job, slot, status, started_at, details)
          VALUES ($1, $2, 'RUNNING', now(), jsonb_build_object('token', $3::text, 'attempts', 1, 'owner', $4::text))
     ON CONFLICT (job, slot) DO NOTHING
     RETURNING 1 AS attempt`,
    { bind: [job, slot, token, OWNER], type: QueryTypes.SELECT },
  );
  if (inserted !== undefined) return { job, slot, token, attempt: 1 };
  const [taken] = await seq.query<{ attempt: number }>(
    `UPDATE job_runs
        SET status = 'RUNNING', started_at = now(), finished_at = NULL,
            details = details || jsonb_build_object('token', $3::text, 'owner', $4::text,
                        'attempts', COALESCE((details->>'attempts')::int, 1) + 1,
                        'previous_status', status)
      WHERE job = $1 AND slot = $2
        AND ((status = 'RUNNING' AND started_at < now() - ($5::float8 * interval '1 millisecond'))
          OR (status = 'FAILED' AND COALESCE((details->>'attempts')::int, 1) < $6))
      RETURNING (details->>'attempts')::int AS attempt`,
    { bind: [job, slot, token, OWNER, opts.staleMs, opts.maxAttempts], type: QueryTypes.SELECT },
  );
  return taken === undefined ? null : { job, slot, token, attempt: taken.attempt };
}

/**
 * Mark the claim DONE inside `transaction` (with the job's effects).
 * @throws LostClaimError when the claim is no longer this run's.
 */
export async function finishRun(seq: Sequelize, transaction: Transaction, claim: RunClaim, result: Record<string, unknown>): Promise<void> {
  const [row] = await seq.query<{ job: string }>(
    `UPDATE job_runs SET status = 'DONE', finished_at = now(), details = details || jsonb_build_object('result', $4::jsonb)
      WHERE job = $1 AND slot = $2 AND status = 'RUNNING' AND details->>'token' = $3
      RETURNING job`,
    { bind: [claim.job, claim.slot, claim.token, JSON.stringify(result)], type: QueryTypes.SELECT, transaction },
  );
  if (row === undefined) throw new LostClaimError(claim.job, claim.slot);
}

/** Mark the claim FAILED with the error (no-op when it is no longer this run's). */
export async function failRun(seq: Sequelize, claim: RunClaim, error: unknown): Promise<void> {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
  await seq.query(
    `UPDATE job_runs SET status = 'FAILED', finished_at = now(), details = details || jsonb_build_object('error', $4::text)
      WHERE job = $1 AND slot = $2 AND status = 'RUNNING' AND details->>'token' = $3`,
    { bind: [claim.job, claim.slot, claim.token, message] },
  );
}
