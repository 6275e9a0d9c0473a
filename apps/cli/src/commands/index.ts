import type { CliCommand } from '../context.ts';
import { listenCommand } from './listen.ts';
import { migrateCommand } from './migrate.ts';
import { projectionsCommand } from './projections.ts';
import { replayCommand } from './replay.ts';
import { simulateCommand } from './simulate.ts';
import { startCommand } from './start.ts';

/** Every command, in the order the help lists them. */
export const commands: readonly CliCommand[] = [
  startCommand,
  migrateCommand,
  projectionsCommand,
  simulateCommand,
  replayCommand,
  listenCommand,
];

export function commandNamed(name: string): CliCommand | undefined {
  return commands.find((command) => command.name === name);
}
