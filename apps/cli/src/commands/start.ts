import { noMorePositionals } from '../command-line.ts';
import type { CliCommand } from '../context.ts';
import { dataDirOptions } from '../data-dir.ts';

export const startCommand: CliCommand<Record<string, never>> = {
  name: 'start',
  usage: ['start'],
  summary: 'start the API and the trace viewer; Ctrl-C stops it',
  details: [
    'Serves on HOST:PORT (default localhost:8080), on PostgreSQL when DATABASE_URL is set and on the',
    'embedded PGlite in DATA_DIR (--data-dir; default .data, or a per-user directory when installed) otherwise; Redis for escrow expiry when REDIS_URL is',
    'set. Pending migrations run first. The server logs JSON lines to stdout (LOG_LEVEL).',
  ].join('\n'),
  options: { ...dataDirOptions },
  parse(parsed) {
    noMorePositionals(parsed, 'start', 0);
    return {};
  },
  load: async () => (await import('../start/start.ts')).start,
};
