/**
 * Reference server "Emmett peer": the initiate written the way Emmett's users write it. Emmett's
 * PostgreSQL event store and its DeciderCommandHandler (read the stream `txn-<id>`, fold it,
 * decide, append with the expected version in one transaction), a decider for initiate that
 * emits TransactionInitiated and EscrowHoldPlaced, behind Fastify 5 with the same body and zod
 * validation as TrackTrove's route. No timer, no webhook delivery, no read model, no idempotency key.
 *
 * Environment: DATABASE_URL, BENCH_PEER_POOL_SIZE (default 20, TrackTrove's pool size).
 */
import pg from 'pg';
import { DeciderCommandHandler } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { initiateApp, serveUntilStopped } from './initiate-route.ts';
import {
  decide,
  evolve,
  initialState,
  type InitiateEvent,
  type InitiateTransaction,
  type TransactionState,
} from './emmett-initiate-decider.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.BENCH_PEER_POOL_SIZE ?? 20) });
pool.on('error', () => undefined);
const eventStore = getPostgreSQLEventStore(databaseUrl, { connectionOptions: { pool } });
await eventStore.schema.migrate();

const handle = DeciderCommandHandler<TransactionState, InitiateTransaction, InitiateEvent>({
  decide,
  evolve,
  initialState,
  mapToStreamId: (id: string) => `txn-${id}`,
});

const app = initiateApp(async (data, correlationId) => {
  const { newState, nextExpectedStreamVersion } = await handle(eventStore, data.transactionId, {
    type: 'InitiateTransaction',
    data,
    metadata: { correlationId, now: new Date() },
  });
  return { ...newState, version: Number(nextExpectedStreamVersion) };
});
await serveUntilStopped(app, async () => {
  await eventStore.close();
  await pool.end();
});
