import { readFile } from 'node:fs/promises';

/**
 * CPU seconds (user + system) process `pid` has used so far, from `/proc/<pid>/stat` (Linux;
 * fields 14 and 15, in clock ticks of 1/100 s); 0 when it cannot be read (another OS, or the
 * process is gone). Used by the benchmarks to charge CPU to the engine, PostgreSQL backends and
 * RabbitMQ.
 */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) this process has used so far (`process.cpuUsage`). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
