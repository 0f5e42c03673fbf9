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

/** The whole machine's CPU time so far, in clock ticks summed over its CPUs (`/proc/stat`). */
export interface MachineTicks {
  /** Every state: user, nice, system, idle, iowait, irq, softirq, steal. */
  total: number;
  /** Idle and waiting for I/O. */
  idle: number;
  /** Taken by the hypervisor for other virtual machines while this one had work to run. */
  steal: number;
}

/**
 * The first (`cpu`) line of `/proc/stat` (Linux; fields in clock ticks, see proc(5)); all zero
 * where it cannot be read. Benchmarks report steal per phase: on a shared virtual machine a
 * phase that lost CPU to its neighbours measures slow, however good the code.
 */
export async function machineTicks(): Promise<MachineTicks> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0] ?? '';
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
  } catch {
    return { total: 0, idle: 0, steal: 0 };
  }
}

/** Steal and idle between two readings, as percentages of all CPU time (NaN when none passed). */
export function machineShares(from: MachineTicks, to: MachineTicks): { stealPct: number; idlePct: number } {
  const total = to.total - from.total;
  if (total <= 0) return { stealPct: Number.NaN, idlePct: Number.NaN };
  return { stealPct: (100 * (to.steal - from.steal)) / total, idlePct: (100 * (to.idle - from.idle)) / total };
}
