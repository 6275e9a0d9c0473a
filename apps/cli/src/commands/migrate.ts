import { noMorePositionals } from '../command-line.ts';
import type { CliCommand } from '../context.ts';
import { dataDirOptions } from '../data-dir.ts';

export const migrateCommand: CliCommand<Record<string, never>> = {
  name: 'migrate',
  usage: ['migrate'],
  summary: 'run pending database migrations (safe to run again)',
  details: 'Applies the migrations the database does not have yet and names them; with none pending it says so.',
  options: { ...dataDirOptions },
  parse(parsed) {
    noMorePositionals(parsed, 'migrate', 0);
    return {};
  },
  load: async () => (await import('../migrate/migrate.ts')).migrate,
};
