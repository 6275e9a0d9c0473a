import { run } from '../src/run.ts';
import type { Writer } from '../src/io.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function buffer(isTTY: boolean): Writer & { text: string } {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

/**
 * Runs `tracktrove <args>` in this process, as main.ts does, with stdout and stderr captured; they
 * are pipes (not terminals) unless `tty` says otherwise. The environment is only what is passed.
 */
export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined>,
  options: { tty?: boolean } = {},
): Promise<CliResult> {
  const stdout = buffer(options.tty ?? false);
  const stderr = buffer(false);
  const code = await run(args, { stdout, stderr, env: { LOG_LEVEL: 'error', ...env } });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
