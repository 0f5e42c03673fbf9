/**
 * Runs one of the project's entry points as a child process, the way `npm start` does,
 * and waits for what it prints — with deadlines, never sleeps.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Variables that decide real vs embedded: removed unless the test sets them. */
const SERVICE_VARS = ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL', 'PORT', 'DATA_DIR', 'LOG_LEVEL'];

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolve with the first match of `re` in stdout, or reject at the deadline / on exit. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Resolve with the exit code (and ms since `since`), or reject at the deadline. */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function runEntry(entry: string, env: Record<string, string>): Child {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SERVICE_VARS.includes(k)) base[k] = v;
  // The flags of the npm start scripts (package.json).
  const proc = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...base, NODE_ENV: 'test', ...env },
  });
  let out = '';
  let errText = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (errText += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => errText,
    waitFor: (re, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`process exited before printing ${String(re)}\nstdout:\n${out}\nstderr:\n${errText}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${String(re)} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${errText}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          proc.stdout.off('data', check);
          proc.off('exit', onExit);
        };
        proc.stdout.on('data', check);
        proc.once('exit', onExit);
        check();
      }),
    exited: (timeoutMs) =>
      Promise.race([
        exit,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms`)), timeoutMs).unref()),
      ]),
    kill: (signal = 'SIGTERM') => {
      if (proc.exitCode === null) proc.kill(signal);
    },
  };
}
