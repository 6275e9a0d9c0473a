/** Where a command writes: the process's stdout and stderr, or a test's buffers. */
export interface Writer {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  /** Results: tables, summaries, timelines. */
  readonly stdout: Writer;
  /** Progress, warnings, errors and the log. */
  readonly stderr: Writer;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ends a long-running command (listen) as Ctrl-C would; without it, such a command listens for SIGINT and SIGTERM. */
  readonly stop?: AbortSignal;
}

/** Colours only on a terminal, and never with NO_COLOR set (https://no-color.org) or TERM=dumb. */
export function usesColour(writer: Writer, env: CliIo['env']): boolean {
  return writer.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

export type Paint = (text: string, colour: 'red' | 'green' | 'yellow' | 'dim' | 'bold') => string;

const codes = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] } as const;

export function painter(enabled: boolean): Paint {
  return enabled
    ? (text, colour) => (text === '' ? text : `\u001b[${codes[colour][0]}m${text}\u001b[${codes[colour][1]}m`)
    : (text) => text;
}
