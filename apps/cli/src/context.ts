import type { Logger } from 'pino';
import type { Config } from '@tracktrove/config';
import type { OptionSpec, ParsedCommandLine } from './command-line.ts';
import type { CliIo } from './io.ts';

/** What a command runs with: the configuration from the environment, a logger to stderr, the writers. */
export interface CliContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly io: CliIo;
}

export type CommandRunner<A> = (args: A, context: CliContext) => Promise<number>;

/**
 * A command: its help, its options, a check of its arguments that needs no I/O (so a mistake is
 * answered at once, before the database is opened), and its implementation, loaded when it runs.
 */
export interface CliCommand<A = any> {
  readonly name: string;
  /** Usage lines, without the `tracktrove ` prefix. */
  readonly usage: readonly string[];
  readonly summary: string;
  /** More help, shown by `tracktrove <command> --help`. */
  readonly details: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  parse(parsed: ParsedCommandLine): A;
  load(): Promise<CommandRunner<A>>;
}
