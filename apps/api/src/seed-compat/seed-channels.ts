import { sql } from 'kysely';
import type { EventStoreTables, Queryable } from '@tracktrove/event-store';
import { transactionIdOf, transactionStreamId } from '@tracktrove/domain';
import { seedRequestKey } from './seed-initiate.ts';

/**
 * The channel each transaction's seed client gave, where TrackTrove mapped it (a card network,
 * a wallet): read from the payload its TransactionInitiated event recorded, for all of them in one
 * statement. Transactions initiated otherwise are not in the map.
 */
export async function seedChannelsOf<DB extends EventStoreTables>(
  db: Queryable<DB>,
  transactionIds: readonly string[],
): Promise<Map<string, string>> {
  if (transactionIds.length === 0) return new Map();
  const streamIds = transactionIds.map(transactionStreamId);
  const { rows } = await sql<{ stream_id: string; channel: string }>`
    select stream_id, data -> 'payload' -> ${seedRequestKey} ->> 'channel' as channel
      from tt_events
     where stream_id = any(${streamIds}) and stream_version = 1 and type = 'TransactionInitiated'
       and data -> 'payload' -> ${seedRequestKey} ->> 'channel' is not null`.execute(db);
  return new Map(rows.map((row) => [transactionIdOf(row.stream_id) ?? row.stream_id, row.channel]));
}
