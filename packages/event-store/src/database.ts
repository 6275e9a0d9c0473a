import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { DataDirLock } from './data-dir-lock.ts';
import type { EventStoreTables } from './schema.ts';

/** A session-level lock held for one consumer; released on release() or when the holder dies. */
export interface AdvisoryLock {
  release(): Promise<void>;
  /** Resolves when the lock is lost (its connection dropped). */
  readonly lost: Promise<void>;
}

/**
 * The database the store runs on: PostgreSQL over pg, or embedded PGlite. Both speak the same SQL;
 * they differ in how notifications arrive and how locks are held across processes.
 */
export interface StoreDatabase {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Kysely<EventStoreTables>;
  /** PGlite on a data directory only: this process's exclusive lock on it, released by close(). */
  readonly dataDirLock?: DataDirLock;
  /**
   * Calls onNotify with the payload of every NOTIFY on the channel until the returned function is
   * called; without a payload when a notification may have been missed (after a reconnect).
   */
  listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>>;
  /** Takes the named lock for this process, or answers null when another consumer holds it. */
  tryAdvisoryLock(name: string): Promise<AdvisoryLock | null>;
  /**
   * PostgreSQL only: a connection of its own, outside the pool, for work that needs the driver
   * itself (COPY). The caller ends it; close() ends any still open.
   */
  connectDedicated?(): Promise<pg.Client>;
  /**
   * PostgreSQL only: resolves when the server answers a trivial query within timeoutMs, on a
   * connection of its own (the pool's may all be busy under load); rejects with code ETIMEDOUT when
   * it does not, and drops that connection.
   */
  ping?(timeoutMs: number): Promise<void>;
  /**
   * PostgreSQL only: closes every pooled connection now, in use or idle, so that queries waiting on
   * a server that stopped answering (a network partition) fail at once instead of when TCP gives up.
   */
  dropConnections?(): void;
  /** Calls listener after every committed append made through db. */
  onAppendCommitted(listener: () => void): () => void;
  close(): Promise<void>;
}

export const appendChannel = 'tt_events';
