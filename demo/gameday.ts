/**
 * `npm run demo:gameday` — a whole game day on real input, end to end (see demo/README.md).
 * Options: `--players=N` (Discord players, default 200), `--rounds=N` (default 4),
 * `--power=N` (REST power users, default 5), `--concurrency=N` (default 25), `--minutes=N`
 * (keep playing rounds for N wall-clock minutes; `--minutes=5` at speed 288 plays 24 market hours),
 * `--start=ISO` (replay market time, default 2025-05-12T00:00:00Z), `--speed=X` (default 288:
 * a 24-hour market day in 5 minutes). Exit code 0 only with zero mismatches and every
 * interaction answered within 3 s.
 */
import { runGameday } from './gameday.runner.js';

const arg = (name: string, def: string): string => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? def : hit.slice(name.length + 3);
};
const int = (name: string, def: number): number => {
  const n = Number.parseInt(arg(name, String(def)), 10);
  return Number.isFinite(n) && n > 0 ? n : def;
};

const result = await runGameday({
  players: int('players', 200),
  rounds: int('rounds', 4),
  powerUsers: int('power', 5),
  concurrency: int('concurrency', 25),
  playMs: int('minutes', 0) * 60_000,
  replayStart: arg('start', '2025-05-12T00:00:00Z'),
  replaySpeed: arg('speed', '288'),
  print: (line) => process.stdout.write(`${line}\n`),
});
process.exit(result.mismatches === 0 && result.maxAckMs < 3000 ? 0 : 1);
