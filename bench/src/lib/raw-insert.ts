/**
 * The raw one-row-per-event INSERT reference, as in event-store.ts: the same row (stream id,
 * version, event id, type, schema version, jsonb data, jsonb metadata, with the same ~320-byte
 * data and ~210-byte metadata) into `raw_events`, created LIKE tt_events INCLUDING ALL (same
 * identity, defaults and indexes), one autocommit INSERT per event, no version check.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createPostgresDatabase, migrateToLatest } from '@tracktrove/event-store';
import { runClosedLoops, type LoadResult } from './stats.ts';

export const rawEventType = 'MicroTransactionRecorded';
export const rawEventData = {
  transactionId: '8d3c6f2e-4b1a-4e57-9a0c-2f6b7d1e9c44',
  accountId: 'acct_01HZX3K9T2QF7M8N4P6R',
  counterpartyId: 'merchant_01HZX3KA0B1C2D3E4F5G',
  kind: 'purchase',
  amount: { minor: 1299, currency: 'EUR' },
  item: { sku: 'gem-pack-small', quantity: 3, unitMinor: 433 },
  channel: 'ios',
  occurredAt: '2025-11-24T10:15:30.123Z',
};
export const rawEventMetadata = {
  correlationId: '5f0e2a7c-3d41-4b8e-a6f2-91c0d7e4b3a8',
  causationId: 'c2b7e9d1-6a3f-4e20-8b5c-0d4f1a9e7c63',
  actor: { type: 'user', id: 'user_01HZX3K9T2QF7M8N4P6R' },
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

/** Measures raw 1-row INSERTs with `connections` closed loops in the (fresh) database at `url`. */
export async function measureRawSingleInserts(
  url: string,
  options: { connections: number; warmupMs: number; durationMs: number; streamsPerWriter?: number },
): Promise<LoadResult> {
  const database = createPostgresDatabase({ connectionString: url, poolSize: 1 });
  await migrateToLatest(database.db);
  await database.close();
  const pool = new pg.Pool({ connectionString: url, max: options.connections });
  pool.on('error', () => undefined);
  try {
    await pool.query('create table raw_events (like tt_events including all)');
    const streams = options.streamsPerWriter ?? 32;
    const versions = new Float64Array(options.connections * streams);
    const turns = new Float64Array(options.connections);
    return await runClosedLoops({
      writers: options.connections,
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
      async call(writer) {
        const stream = turns[writer]! % streams;
        turns[writer]! += 1;
        const slot = writer * streams + stream;
        const version = versions[slot]! + 1;
        await pool.query(
          'insert into raw_events (stream_id, stream_version, event_id, type, schema_version, data, metadata) values ($1, $2, $3, $4, $5, $6, $7)',
          [`ledger-raww${writer}s${stream}`, version, randomUUID(), rawEventType, 1, rawEventData, rawEventMetadata],
        );
        versions[slot] = version;
        return 1;
      },
    });
  } finally {
    await pool.end();
  }
}
