/**
 * `npm run bench`: runs every `bench/*.bench.ts` one after another, each in its own Node
 * process (so one benchmark's leftovers do not slow the next), and exits non-zero if any
 * failed. `npm run bench -- settle` runs only the files whose name contains "settle".
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, file)], { stdio: 'inherit' });
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) {
    failed += 1;
    process.stdout.write(`${file} failed (exit ${String(code)})\n`);
  }
}
if (files.length === 0) process.stdout.write('no benchmarks matched\n');
process.exit(failed === 0 ? 0 : 1);
