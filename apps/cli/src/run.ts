import { parseCommandLine, UsageError } from './command-line.ts';
import { commandNamed, commands } from './commands/index.ts';
import type { CliCommand } from './context.ts';
import { environmentWithDataDir } from './data-dir.ts';
import { commandHelp, exitCodes, globalHelp } from './help.ts';
import { describeError } from './describe-error.ts';
import type { CliIo } from './io.ts';
import { SetupError } from './setup-error.ts';

/**
 * Runs `tracktrove <argv>` and answers the exit code. Arguments are checked before anything heavy is
 * loaded or the database opened; every failure is one line on stderr (the stack only at LOG_LEVEL
 * debug or trace).
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let command: CliCommand | undefined;
  try {
    const [name, ...rest] = argv;
    if (name === undefined) {
      io.stderr.write(globalHelp());
      return exitCodes.usage;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      const topic = rest[0] === undefined ? undefined : commandNamed(rest[0]);
      if (rest[0] !== undefined && !topic) throw new UsageError(unknownCommand(rest[0]));
      io.stdout.write(topic ? commandHelp(topic) : globalHelp());
      return exitCodes.ok;
    }
    if (name.startsWith('-'))
      throw new UsageError(`options go after the command: tracktrove <command> [options] (commands: ${commandList()})`);
    command = commandNamed(name);
    if (!command) throw new UsageError(unknownCommand(name));
    const parsed = parseCommandLine(command.name, command.options, rest);
    if (parsed.help) {
      io.stdout.write(commandHelp(command));
      return exitCodes.ok;
    }
    const args = command.parse(parsed);
    const runner = await command.load();
    const { loadConfig } = await import('@tracktrove/config');
    const commandIo = { ...io, env: environmentWithDataDir(parsed, io.env) };
    const config = loadConfig(commandIo.env);
    const { createLogger } = await import('./logger.ts');
    const logger = createLogger(command.name, config, commandIo);
    return await runner(args, { config, logger, io: commandIo });
  } catch (error) {
    if (error instanceof UsageError) {
      const where = error.command ?? command?.name;
      const hint = where ? `tracktrove ${where.split(' ')[0]} --help` : 'tracktrove --help';
      io.stderr.write(`tracktrove${where ? ` ${where}` : ''}: ${error.message} (see ${hint})\n`);
      return exitCodes.usage;
    }
    io.stderr.write(`tracktrove${command ? ` ${command.name}` : ''}: ${describeError(error)}\n`);
    // What is set up wrong (a server that does not answer, a refused token, a data directory another
    // process holds) is the caller's to put right, like wrong usage; nothing was written.
    if (error instanceof SetupError || (error instanceof Error && error.name === 'DataDirLockedError')) return exitCodes.usage;
    if (/^(debug|trace)$/.test(io.env.LOG_LEVEL ?? '') && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    return exitCodes.failed;
  }
}

function commandList(): string {
  return commands.map((command) => command.name).join(', ');
}

function unknownCommand(name: string): string {
  return `unknown command '${name}' (commands: ${commandList()})`;
}
