import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { AdvisoryLock, StoreDatabase } from './database.ts';
import { notifyingDialect } from './notifying-dialect.ts';
import { prepareMarkedStatements } from './prepared-statements.ts';
import type { EventStoreTables } from './schema.ts';

export interface PostgresOptions {
  readonly connectionString: string;
  readonly poolSize?: number;
  readonly connectionTimeoutMs?: number;
  readonly statementTimeoutMs?: number;
  readonly logger?: Logger;
}

const listenReconnectMaxMs = 5_000;

/**
 * Closes a client's socket at once. `end()` says goodbye to the server and waits for its answer,
 * which never comes across a partition; its pending query fails with "Connection terminated".
 */
function destroySocket(client: pg.Client | pg.PoolClient): void {
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** The store's database on a real PostgreSQL server. */
export function createPostgresDatabase(options: PostgresOptions): StoreDatabase {
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    // A 2xx means the event is committed: a commit returns only once its WAL is written, whatever
    // the server's default (with synchronous_commit off, a server crash loses acknowledged commits).
    // Work that may be lost and redone (a projection rebuild) turns it off for its own transactions.
    options: '-c synchronous_commit=on',
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize ?? 20, idleTimeoutMillis: 30_000 });
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle PostgreSQL client failed'));
  const pooled = new Set<pg.PoolClient>();
  pool.on('connect', (client) => {
    pooled.add(client);
    client.once('end', () => pooled.delete(client));
    client.on('error', (error) => options.logger?.warn({ err: error }, 'checked-out PostgreSQL client failed'));
    prepareMarkedStatements(client);
  });
  pool.on('remove', (client) => pooled.delete(client));
  const appendListeners = new Set<() => void>();
  const db = new Kysely<EventStoreTables>({
    dialect: notifyingDialect(new PostgresDialect({ pool }), () => {
      for (const listener of appendListeners) listener();
    }),
  });
  const dedicated = new Set<pg.Client>();
  let closed = false;
  let heartbeat: pg.Client | undefined;

  async function dedicatedClient(): Promise<pg.Client> {
    const client = new pg.Client(clientConfig);
    client.on('error', () => undefined);
    await client.connect();
    dedicated.add(client);
    client.once('end', () => dedicated.delete(client));
    return client;
  }

  return {
    kind: 'postgres',
    db,
    async listen(channel, onNotify) {
      let client: pg.Client | undefined;
      let stopped = false;
      let retryMs = 100;
      const connect = async (): Promise<void> => {
        while (!stopped && !closed) {
          try {
            const next = await dedicatedClient();
            next.on('notification', (message) => {
              if (message.channel === channel) onNotify(message.payload);
            });
            next.once('error', () => void reconnect(next));
            next.once('end', () => void reconnect(next));
            await next.query(`listen ${pg.escapeIdentifier(channel)}`);
            client = next;
            retryMs = 100;
            // Anything committed while we were not listening is picked up by this wake-up.
            onNotify();
            return;
          } catch (error) {
            options.logger?.warn({ err: error, channel }, 'LISTEN failed; retrying');
            await new Promise((resolve) => setTimeout(resolve, retryMs));
            retryMs = Math.min(retryMs * 2, listenReconnectMaxMs);
          }
        }
      };
      const reconnect = async (failed: pg.Client): Promise<void> => {
        if (client !== failed) return;
        client = undefined;
        await failed.end().catch(() => undefined);
        await connect();
      };
      await connect();
      return async () => {
        stopped = true;
        const current = client;
        client = undefined;
        await current?.end().catch(() => undefined);
      };
    },
    async tryAdvisoryLock(name) {
      const client = await dedicatedClient();
      try {
        const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [name]);
        if (!rows[0]?.locked) {
          await client.end();
          return null;
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      const lost = new Promise<void>((resolve) => {
        client.once('error', () => resolve());
        client.once('end', () => resolve());
      });
      const lock: AdvisoryLock = {
        lost,
        async release() {
          await client.end().catch(() => undefined);
        },
      };
      return lock;
    },
    connectDedicated: dedicatedClient,
    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error(`PostgreSQL did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
          timeoutMs,
        );
      });
      try {
        await Promise.race([
          (async () => {
            heartbeat ??= await dedicatedClient();
            await heartbeat.query('select 1');
          })(),
          timedOut,
        ]);
      } catch (error) {
        const failed = heartbeat;
        heartbeat = undefined;
        if (failed) destroySocket(failed);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    dropConnections() {
      for (const client of pooled) destroySocket(client);
    },
    onAppendCommitted(listener) {
      appendListeners.add(listener);
      return () => appendListeners.delete(listener);
    },
    async close() {
      closed = true;
      await Promise.all([...dedicated].map((client) => client.end().catch(() => undefined)));
      await db.destroy();
    },
  };
}
