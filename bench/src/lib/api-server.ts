/**
 * Starts a server in a child process and stops it: the real TrackTrove server (api-server-main.ts)
 * by default, or another entry point that prints the same `{"url", "pid"}` line (the API
 * benchmark's peers in ./peers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTreeCpuSeconds } from './process-cpu.ts';

export interface ChildServer {
  readonly url: string;
  readonly pid: number;
  /** CPU seconds (user + system) the child has used so far (Linux /proc; NaN elsewhere). */
  cpuSeconds(): number;
  /** The same with the child's own child processes (live ones and those it reaped). */
  treeCpuSeconds(): number;
  stop(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');

export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 (1-based) of the whole line: 12 and 13 after the ')'.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Extra node flags for the server child, e.g. BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
function childNodeArgs(): string[] {
  return (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
}

export async function startChildServer(options: {
  databaseUrl: string;
  redisUrl?: string;
  log?: (message: string) => void;
  timeoutMs?: number;
  /** The script to run, relative to bench/src/lib (default api-server-main.ts). */
  entry?: string;
  /** More environment for the child. */
  env?: Record<string, string>;
}): Promise<ChildServer> {
  const entry = join(here, options.entry ?? 'api-server-main.ts');
  const child: ChildProcess = spawn(process.execPath, [...childNodeArgs(), '--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env, DATABASE_URL: options.databaseUrl, REDIS_URL: options.redisUrl ?? '', NODE_ENV: 'production' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not start within ${options.timeoutMs ?? 60_000} ms: ${stderr}`)),
      options.timeoutMs ?? 60_000,
    );
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) {
          clearTimeout(timer);
          resolve(parsed.url);
        }
      } catch {
        // not our line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening: ${stderr}`));
    });
  });
  options.log?.(`server child pid ${child.pid} at ${url}`);
  return {
    url,
    pid: child.pid!,
    cpuSeconds: () => processCpuSeconds(child.pid!),
    treeCpuSeconds: () => processTreeCpuSeconds(child.pid!),
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
