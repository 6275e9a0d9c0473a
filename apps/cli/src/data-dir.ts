import type { OptionSpec, ParsedCommandLine } from './command-line.ts';
import type { CliIo } from './io.ts';

/** --data-dir, which every command takes: the embedded data directory, over DATA_DIR. */
export const dataDirOptions: Readonly<Record<string, OptionSpec>> = {
  'data-dir': {
    value: 'DIR',
    description: 'the embedded data directory (default DATA_DIR; else .data in a clone, a per-user directory when installed)',
  },
};

/** The environment the configuration is read from: DATA_DIR set to --data-dir when it is given. */
export function environmentWithDataDir(parsed: ParsedCommandLine, env: CliIo['env']): CliIo['env'] {
  const dataDir = parsed.options.get('data-dir');
  return typeof dataDir === 'string' ? { ...env, DATA_DIR: dataDir } : env;
}
