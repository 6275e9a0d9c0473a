/**
 * Reference server "bare route": Fastify 5, the initiate body validated with the API's zod
 * schema, then one autocommit INSERT of a tt_events-shaped row (stream `txn-<id>`, version 1,
 * event id, type, schema version, jsonb data and metadata) into `raw_events`, created LIKE
 * tt_events INCLUDING ALL by the benchmark before this process starts. No stream check, no
 * decision, no read model: the floor of "take the body, write one event".
 *
 * Environment: DATABASE_URL, BENCH_PEER_POOL_SIZE (default 20, TrackTrove's pool size).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { initiateApp, serveUntilStopped } from './initiate-route.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.BENCH_PEER_POOL_SIZE ?? 20) });
pool.on('error', () => undefined);

const insert =
  'insert into raw_events (stream_id, stream_version, event_id, type, schema_version, data, metadata) values ($1, 1, $2, $3, 1, $4, $5)';

const app = initiateApp(async (data, correlationId) => {
  await pool.query(insert, [`txn-${data.transactionId}`, randomUUID(), 'TransactionInitiated', data, { correlationId }]);
  return { transactionId: data.transactionId, status: 'INITIATED', version: 1 };
});
await serveUntilStopped(app, () => pool.end());
