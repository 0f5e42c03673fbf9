/**
 * `node --import ./bench/support/cpu-profile.mjs …`: CPU-profile the whole process with the
 * inspector (NODE_OPTIONS may not carry `--cpu-prof`) and write
 * `.bench-profile/<pid>.cpuprofile` when the process exits (open it in Chrome DevTools).
 * Used by `npm run bench:settle -- --profile` for the engine child.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
session.post('Profiler.start');
let written = false;
const write = () => {
  if (written) return;
  written = true;
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    mkdirSync('.bench-profile', { recursive: true });
    writeFileSync(`.bench-profile/${process.pid}.cpuprofile`, JSON.stringify(result.profile));
  });
};
process.on('exit', write);
process.on('SIGTERM', write);
