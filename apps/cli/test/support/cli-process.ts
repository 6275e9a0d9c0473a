import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const cliMain = resolve(import.meta.dirname, '../../src/main.ts');
const readyTimeoutMs = 60_000;

export interface ProcessResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `tracktrove <args>` as a process of its own, with only the environment given (and PATH, HOME). */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string>,
): ChildProcess & { stdoutText(): string; stderrText(): string } {
  const child = spawn(process.execPath, ['--import', 'tsx', cliMain, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return Object.assign(child, { stdoutText: () => stdout, stderrText: () => stderr });
}

/** Runs `tracktrove <args>` to its end in a process of its own. */
export async function runCliProcess(args: readonly string[], env: Record<string, string>): Promise<ProcessResult> {
  const child = spawnCli(args, env);
  const code = await new Promise<number | null>((done) => child.once('close', (exitCode) => done(exitCode)));
  return { code, stdout: child.stdoutText(), stderr: child.stderrText() };
}

/** `tracktrove start` as a process of its own, answering GET /ready at baseUrl. */
export interface ServerChild {
  readonly baseUrl: string;
  readonly pid: number;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<number | null>;
}

export async function startServerChild(port: number, env: Record<string, string>): Promise<ServerChild> {
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawnCli(['start'], { PORT: String(port), HOST: '127.0.0.1', ...env });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`tracktrove start exited (${child.exitCode}) before it was ready:\n${`${child.stdoutText()}${child.stderrText()}`}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tracktrove start was not ready within ${readyTimeoutMs} ms:\n${`${child.stdoutText()}${child.stderrText()}`}`);
    }
    try {
      const response = await fetch(`${baseUrl}/ready`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    baseUrl,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
