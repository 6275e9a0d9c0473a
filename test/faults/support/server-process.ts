import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@tracktrove/testing';

export const adminToken = 'faults-admin-token-0123456789';
export const webhookSecret = 'faults-webhook-secret-0123456789';
const repoRoot = resolve(import.meta.dirname, '../../..');
const readyTimeoutMs = 60_000;
const keptLogLines = 200;

export interface ServerProcessOptions {
  readonly databaseUrl: string;
  readonly redisUrl?: string;
  readonly env?: Record<string, string>;
  readonly name?: string;
}

/** `tracktrove start` as a separate process, on a fixed loopback port across restarts. */
export interface ServerProcess {
  readonly name: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly pid: number | undefined;
  /** Spawns the process and waits until GET /ready answers 200. */
  start(): Promise<number>;
  /** kill -9, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a graceful stop), SIGKILL after timeoutMs. */
  stop(timeoutMs?: number): Promise<void>;
  /** The last lines the process wrote, for failure messages. */
  log(): string;
}

export async function createServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const name = options.name ?? `api-${port}`;
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  let expectingExit = false;

  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line);
      if (lines.length > keptLogLines) lines.shift();
    }
  };

  const waitForExit = (current: ChildProcess) =>
    new Promise<void>((done) => {
      if (current.exitCode !== null || current.signalCode !== null) return done();
      current.once('exit', () => done());
    });

  return {
    name,
    port,
    baseUrl,
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`${name} is already running`);
      const startedAt = Date.now();
      const spawned = spawn(
        process.execPath,
        [...(process.env.FAULTS_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'apps/cli/src/main.ts', 'start'],
        {
          cwd: repoRoot,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '/tmp',
            DATABASE_URL: options.databaseUrl,
            ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
            PORT: String(port),
            HOST: '127.0.0.1',
            TRACKTROVE_ADMIN_TOKEN: adminToken,
            WEBHOOK_SECRET: webhookSecret,
            LOG_LEVEL: 'warn',
            RATE_LIMIT_PER_MINUTE: '100000000',
            ...options.env,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = spawned;
      expectingExit = false;
      spawned.once('exit', (code, signal) => {
        if (!expectingExit)
          process.stderr.write(
            `\n${name} (pid ${spawned.pid}) exited unexpectedly (${code ?? signal}); its last lines:\n${lines.join('\n')}\n`,
          );
      });
      spawned.stdout?.on('data', keep);
      spawned.stderr?.on('data', keep);
      const deadline = startedAt + readyTimeoutMs;
      while (Date.now() < deadline) {
        if (spawned.exitCode !== null || spawned.signalCode !== null) {
          throw new Error(`${name} exited (${spawned.exitCode ?? spawned.signalCode}) before it was ready:\n${lines.join('\n')}`);
        }
        try {
          const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
          await response.arrayBuffer();
          if (response.status === 200) return Date.now() - startedAt;
        } catch {
          // not listening yet
        }
        await new Promise((done) => setTimeout(done, 100));
      }
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms:\n${lines.join('\n')}`);
    },
    async kill9() {
      const current = child;
      if (!current) return;
      expectingExit = true;
      const exited = waitForExit(current);
      current.kill('SIGKILL');
      await exited;
    },
    async stop(timeoutMs = 10_000) {
      const current = child;
      if (!current) return;
      expectingExit = true;
      const exited = waitForExit(current);
      current.kill('SIGTERM');
      const timer = setTimeout(() => current.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
    log: () => lines.join('\n'),
  };
}
