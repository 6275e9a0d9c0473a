/**
 * CPU seconds of processes, read from Linux's /proc (NaN elsewhere): a process with its live
 * descendants and the reaped children it waited for, so that a server that moves work into a
 * child process (or a PostgreSQL server with one backend per connection) is counted whole.
 */
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = 100;

interface ProcessStat {
  readonly parentPid: number;
  /** utime + stime + cutime + cstime, in ticks. */
  readonly ticks: number;
}

function statOf(pid: number): ProcessStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 0, ppid 1, utime 11, stime 12, cutime 13, cstime 14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { parentPid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

function childrenByParent(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = statOf(pid);
    if (!stat) continue;
    const siblings = children.get(stat.parentPid);
    if (siblings) siblings.push(pid);
    else children.set(stat.parentPid, [pid]);
  }
  return children;
}

/** CPU seconds (user + system) of `pid`, its live descendants and its reaped children; NaN when /proc cannot tell. */
export function processTreeCpuSeconds(pid: number): number {
  const root = statOf(pid);
  if (!root) return Number.NaN;
  const children = childrenByParent();
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop()!;
    const stat = next === pid ? root : statOf(next);
    if (!stat) continue;
    ticks += stat.ticks;
    pending.push(...(children.get(next) ?? []));
  }
  return ticks / ticksPerSecond;
}

/** The parent of `pid` (for a PostgreSQL backend: the postmaster), or undefined. */
export function parentPidOf(pid: number): number | undefined {
  return statOf(pid)?.parentPid;
}
