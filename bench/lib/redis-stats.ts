// Redis's own counters for a benchmark phase: commands served (by name) and CPU it used, read
// from INFO before and after, so a report can say how many round trips and how much Redis time
// each job costs.
import type { Redis } from 'ioredis';

export interface RedisSample {
  readonly callsByCommand: ReadonlyMap<string, number>;
  readonly cpuMs: number;
}

export async function sampleRedis(redis: Redis): Promise<RedisSample> {
  const [commandstats, cpu] = await Promise.all([redis.info('commandstats'), redis.info('cpu')]);
  const callsByCommand = new Map<string, number>();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) callsByCommand.set(match[1] ?? '', Number(match[2]));
  const seconds = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? Number.NaN);
  return { callsByCommand, cpuMs: (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000 };
}

/**
 * Commands served between two samples, by name, most frequent first. The INFO calls that take
 * the samples are left out, so the figures are the workload's alone.
 */
export function callsBetween(before: RedisSample, after: RedisSample): Array<[string, number]> {
  const calls: Array<[string, number]> = [];
  for (const [command, count] of after.callsByCommand) {
    const served = count - (before.callsByCommand.get(command) ?? 0) - (command === 'info' ? 2 : 0);
    if (served > 0) calls.push([command, served]);
  }
  return calls.sort((a, b) => b[1] - a[1]);
}
