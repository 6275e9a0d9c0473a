import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Kysely } from 'kysely';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import type { AdvisoryLock, StoreDatabase } from './database.ts';
import { notifyingDialect } from './notifying-dialect.ts';
import type { EventStoreTables } from './schema.ts';
import type { PGlite as PGliteInstance } from '@electric-sql/pglite';

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
  let pglite: PGliteInstance | undefined;
  try {
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      await initializeApart(dataDir);
    }
    // Loaded on first use: a process on PostgreSQL (a rebuild, say) spares PGlite's ~35 MB of code.
    const { PGlite } = await import('@electric-sql/pglite');
    const options = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${pgliteSharedBuffers}`] };
    pglite = dataDir ? await PGlite.create(dataDir, options) : await PGlite.create(options);
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

/**
 * PostgreSQL's buffer cache inside PGlite's WebAssembly memory, which it touches whole at start: at
 * PGlite's default (128MB) an idle server is ~125 MB larger. PGlite's files are read through the
 * operating system's page cache, so a smaller buffer cache costs copies, not disk reads.
 */
const pgliteSharedBuffers = '32MB';

/** initdb in WebAssembly takes a while; on a loaded machine, much longer than on an idle one. */
const initializeTimeoutMs = 120_000;

/**
 * Creates the database cluster of a new data directory (initdb) in a short-lived process of its
 * own. PGlite's WebAssembly memory only grows: run in this process, initdb would leave it about
 * 500 MB larger for the life of the server than opening an existing directory does.
 */
async function initializeApart(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  let pgliteUrl: string;
  try {
    pgliteUrl = import.meta.resolve('@electric-sql/pglite');
  } catch {
    return; // no resolver here (a test runner's transform): PGlite.create runs initdb in process
  }
  const script = 'const { PGlite } = await import(process.argv[1]); const db = await PGlite.create(process.argv[2]); await db.close();';
  await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, pgliteUrl, dataDir], { timeout: initializeTimeoutMs });
}
