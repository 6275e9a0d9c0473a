import { migrateToLatest, readDataDirHolder } from '@tracktrove/event-store';
import type { CommandRunner } from '../context.ts';
import { pgliteDirOf } from '../server/target.ts';
import { SetupError } from '../setup-error.ts';
import { allMigrations, databaseTarget, openReachableDatabase } from '../services.ts';

export const migrate: CommandRunner<Record<string, never>> = async (_args, { config, logger, io }) => {
  const holder = config.databaseUrl ? null : readDataDirHolder(pgliteDirOf(config));
  if (holder) {
    const what = holder.url ? `the server at ${holder.url}, which migrated it when it started` : holder.command;
    throw new SetupError(
      `migrate cannot run while pid ${holder.pid} holds ${pgliteDirOf(config)} (${what}); stop it first, then run migrate`,
    );
  }
  const database = await openReachableDatabase(config, logger, 'tracktrove migrate');
  try {
    const migrations = allMigrations();
    const ran = await migrateToLatest(database.db, migrations);
    const target = databaseTarget(config);
    if (ran.length === 0) {
      io.stdout.write(`nothing to migrate: ${target} has all ${Object.keys(migrations).length} migrations\n`);
    } else {
      io.stdout.write(
        `applied ${ran.length} migration${ran.length === 1 ? '' : 's'} to ${target}:\n${ran.map((name) => `  ${name}\n`).join('')}`,
      );
    }
    return 0;
  } finally {
    await database.close();
  }
};
