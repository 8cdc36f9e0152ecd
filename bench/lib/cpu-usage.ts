// Where CPU time goes during a benchmark phase: a process and its descendants (read from /proc,
// so Linux only; elsewhere the figures are absent), the whole host over all its cores, and the
// load average. A reader can then tell a limit of the code from a limit of the machine.
import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Linux reports utime and stime in clock ticks; 100 per second on every common kernel build. */
const TICKS_PER_SECOND = 100;
const MS_PER_TICK = 1000 / TICKS_PER_SECOND;
/** Fields of /proc/<pid>/stat after the command name: state is index 0, ppid 1, utime 11, stime 12. */
const PPID_FIELD = 1;
const UTIME_FIELD = 11;
const STIME_FIELD = 12;

interface ProcStat {
  readonly ppid: number;
  readonly cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: read the fields after its end.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[PPID_FIELD]), cpuMs: (Number(fields[UTIME_FIELD]) + Number(fields[STIME_FIELD])) * MS_PER_TICK };
  } catch {
    return undefined;
  }
}

/** CPU milliseconds used so far by `pid` and every live descendant; undefined off Linux. */
export function processTreeCpuMs(pid: number): number | undefined {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return undefined;
  }
  const stats = new Map<number, ProcStat>();
  for (const candidate of pids) {
    const stat = readStat(candidate);
    if (stat !== undefined) stats.set(candidate, stat);
  }
  if (!stats.has(pid)) return undefined;
  const children = new Map<number, number[]>();
  for (const [child, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), child]);
  let total = 0;
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    total += stats.get(next)?.cpuMs ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total;
}

export interface HostCpuSample {
  readonly busyMs: number;
  readonly totalMs: number;
}

/** Busy and total CPU time summed over all cores of this host, every process included. */
export function hostCpu(): HostCpuSample {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    busyMs += all - times.idle;
    totalMs += all;
  }
  return { busyMs, totalMs };
}

/** Share of all the host's cores that was busy between two samples, 0..1. */
export function busyShare(before: HostCpuSample, after: HostCpuSample): number {
  const total = after.totalMs - before.totalMs;
  return total > 0 ? (after.busyMs - before.busyMs) / total : Number.NaN;
}

/** One-minute load average at the end of a phase, and the cores it compares with. */
export function loadSnapshot(): { loadAverage1m: number; cores: number } {
  return { loadAverage1m: loadavg()[0] ?? Number.NaN, cores: cpus().length };
}
