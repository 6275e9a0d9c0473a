import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely } from 'kysely';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import type { AdvisoryLock, StoreDatabase } from './database.ts';
import { notifyingDialect } from './notifying-dialect.ts';
import type { EventStoreTables } from './schema.ts';

/**
 * The store's database on embedded PGlite (PostgreSQL compiled to WebAssembly), kept in dataDir or
 * in memory. One process owns the data directory: it takes the directory's lock file before PGlite
 * opens it (a second process is refused with DataDirLockedError and never opens it), so advisory
 * locks are held in process.
 */
export async function createPgliteDatabase(dataDir?: string, owner = 'tracktrove'): Promise<StoreDatabase> {
  let dataDirLock: DataDirLock | undefined;
  if (dataDir) {
    mkdirSync(dirname(dataDir), { recursive: true });
    dataDirLock = acquireDataDirLock(dataDir, owner);
  }
  let pglite;
  try {
    // Loaded on first use: a process on PostgreSQL (a rebuild, say) spares PGlite's ~35 MB of code.
    const { PGlite } = await import('@electric-sql/pglite');
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    pglite = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  } catch (error) {
    dataDirLock?.release();
    throw error;
  }
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const appendListeners = new Set<() => void>();
  const db = new Kysely<EventStoreTables>({
    dialect: notifyingDialect(new PGliteDialect(pglite), () => {
      for (const listener of appendListeners) listener();
    }),
  });
  const held = new Map<string, () => void>();
  return {
    kind: 'pglite',
    db,
    dataDirLock,
    async listen(channel, onNotify) {
      const unsubscribe = await pglite.listen(channel, (payload) => onNotify(payload));
      return async () => {
        await unsubscribe();
      };
    },
    async tryAdvisoryLock(name) {
      if (held.has(name)) return null;
      let markLost: () => void = () => undefined;
      const lost = new Promise<void>((resolve) => {
        markLost = resolve;
      });
      held.set(name, markLost);
      const lock: AdvisoryLock = {
        lost,
        async release() {
          held.delete(name);
        },
      };
      return lock;
    },
    onAppendCommitted(listener) {
      appendListeners.add(listener);
      return () => appendListeners.delete(listener);
    },
    async close() {
      for (const markLost of held.values()) markLost();
      held.clear();
      try {
        await db.destroy();
      } finally {
        dataDirLock?.release();
      }
    },
  };
}
