import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import {
  createEventStore,
  createPgliteDatabase,
  createPostgresDatabase,
  migrateToLatest,
  type EventStore,
  type StoreDatabase,
  type Upcaster,
} from '../src/index.ts';

export type Backend = 'postgres' | 'pglite';

export interface StoreFixture {
  readonly store: EventStore;
  readonly database: StoreDatabase;
  /** Opens another connection set to the same database, as a second process would. */
  openPeer(): Promise<StoreFixture>;
  close(): Promise<void>;
}

export async function openStore(backend: Backend, options: { upcast?: Upcaster } = {}): Promise<StoreFixture> {
  let testDatabase: TestDatabase | undefined;
  const connect = async (url?: string): Promise<StoreDatabase> =>
    url ? createPostgresDatabase({ connectionString: url, poolSize: 40 }) : createPgliteDatabase();
  if (backend === 'postgres') testDatabase = await createTestDatabase();
  const database = await connect(testDatabase?.url);
  await migrateToLatest(database.db);
  const store = await createEventStore({ database, upcast: options.upcast });
  const peers: StoreFixture[] = [];
  return {
    store,
    database,
    async openPeer() {
      if (!testDatabase) throw new Error('PGlite has one process');
      const peerDatabase = await connect(testDatabase.url);
      const peerStore = await createEventStore({ database: peerDatabase, upcast: options.upcast });
      const peer: StoreFixture = {
        store: peerStore,
        database: peerDatabase,
        openPeer: () => Promise.reject(new Error('open peers from the first fixture')),
        async close() {
          await peerStore.close();
          await peerDatabase.close();
        },
      };
      peers.push(peer);
      return peer;
    },
    async close() {
      await Promise.all(peers.map((peer) => peer.close()));
      await store.close();
      await database.close();
      await testDatabase?.drop();
    },
  };
}
