import type { CliCommand } from './context.ts';
import { commands } from './commands/index.ts';

export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

const exitCodeHelp = 'Exit codes: 0 done, 1 failed (or, for verify, differences found), 2 wrong usage.';

/** `tracktrove --help`. */
export function globalHelp(): string {
  const width = 32;
  const lines = commands.flatMap((command) => [
    ...command.usage.map((line, index) =>
      index === 0 && line.length <= width ? `  ${line.padEnd(width)}  ${command.summary}` : `  ${line}`,
    ),
    ...(command.usage[0]!.length > width ? [`  ${''.padEnd(width)}  ${command.summary}`] : []),
  ]);
  return [
    'usage: tracktrove <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'tracktrove <command> --help' for a command's options.",
    'Configuration comes from the environment: DATABASE_URL (unset: PGlite in DATA_DIR), REDIS_URL,',
    'PORT, LOG_LEVEL (default warn for all but start) and the others in README.md.',
    exitCodeHelp,
    '',
  ].join('\n');
}

/** `tracktrove <command> --help`. */
export function commandHelp(command: CliCommand): string {
  const options = Object.entries(command.options).map(
    ([name, spec]) => [`--${name}${spec.value ? ` ${spec.value}` : ''}`, spec.description] as const,
  );
  const width = Math.max(0, ...options.map(([flag]) => flag.length));
  return [
    ...command.usage.map((line, index) => `${index === 0 ? 'usage: ' : '       '}tracktrove ${line}`),
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    command.details,
    ...(options.length > 0 ? ['', 'Options:', ...options.map(([flag, description]) => `  ${flag.padEnd(width)}  ${description}`)] : []),
    '',
    exitCodeHelp,
    '',
  ].join('\n');
}
