import { mkdirSync } from 'node:fs';
import { Kysely } from 'kysely';
import type { AdvisoryLock, StoreDatabase } from './database.ts';
import { notifyingDialect } from './notifying-dialect.ts';
import type { EventStoreTables } from './schema.ts';

/**
 * The store's database on embedded PGlite (PostgreSQL compiled to WebAssembly), kept in dataDir or
 * in memory. One process owns the data directory, so locks are held in process.
 */
export async function createPgliteDatabase(dataDir?: string): Promise<StoreDatabase> {
  // Loaded on first use: a process on PostgreSQL (a rebuild, say) spares PGlite's ~35 MB of code.
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
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
      await db.destroy();
    },
  };
}
