import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '@tracktrove/api';
import { commands, UsageError, type CliCommand } from './commands.ts';

const usage = `tracktrove <command> [options]

Commands:
  start                         start the API and the trace viewer (PGlite when DATABASE_URL is unset)
  migrate                       run pending database migrations
  projections status            position, lag and state of every read model
  projections rebuild <name|all> rebuild read models from history, then swap (progress bar)
  projections verify            compare every read model with a fresh fold of the log
  simulate [--count N] [--success-rate R] [--seed S] [--drop-webhooks R] [--duplicate-webhooks R]
                                fire N transactions with failure injection; summary table
  replay <transactionId>        print a transaction's timeline

Configuration comes from the environment: DATABASE_URL, REDIS_URL, PORT, ... (see README.md).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      count: { type: 'string' },
      'success-rate': { type: 'string' },
      seed: { type: 'string' },
      'drop-webhooks': { type: 'string' },
      'duplicate-webhooks': { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...rest] = positionals;
  const command: CliCommand | undefined = name ? commands[name] : undefined;
  if (values.help || !command) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(process.env);
  // The server logs to stdout; the other commands print their results there and log to stderr.
  const logger = name === 'start'
    ? pino({ level: config.logLevel, base: { service: 'tracktrove' } })
    : pino({ level: process.env.LOG_LEVEL ?? 'warn', base: { service: 'tracktrove-cli' } }, pino.destination(2));
  return command({ config, logger, args: rest, options: values, out: process.stdout });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tracktrove: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
  },
);
