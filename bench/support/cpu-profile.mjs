/**
 * `node --import ./bench/support/cpu-profile.mjs …`: CPU-profile a process with the inspector
 * (NODE_OPTIONS may not carry `--cpu-prof`). SIGUSR2 starts a profile and the next SIGUSR2
 * writes it to `.bench-profile/<pid>-<n>.cpuprofile` (open it in Chrome DevTools), so a bench
 * can profile just one phase. Used by `npm run bench:settle -- --profile` for the engine child.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
let running = false;
let n = 0;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.start');
    return;
  }
  running = false;
  n += 1;
  const file = `.bench-profile/${process.pid}-${n}.cpuprofile`;
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    mkdirSync('.bench-profile', { recursive: true });
    writeFileSync(file, JSON.stringify(result.profile));
  });
});
