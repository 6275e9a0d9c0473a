import { sql, type Kysely } from 'kysely';
import {
  comparePositions,
  encodePosition,
  loadCheckpoint,
  readHeadPosition,
  startOfLog,
  type EventStoreTables,
  type LogPosition,
  type StoreDatabase,
} from '@tracktrove/event-store';
import { readGenerations, subscriptionNameFor, type ProjectionTables } from '@tracktrove/projections';

/** Lag is counted up to this many events: past it the status says "at least". */
export const lagCountLimit = 100_000;

export type StoredState = 'up to date' | 'behind' | 'rebuilding' | 'not built';

export interface StoredProjectionStatus {
  readonly name: string;
  readonly generation: number | null;
  readonly state: StoredState;
  /** The log position its current generation has applied (encoded), null before it has applied any. */
  readonly position: string | null;
  /** Events in the log after that position, counted up to lagCountLimit. */
  readonly lag: number;
  readonly rebuildingGeneration: number | null;
}

/**
 * What the database says of each read model: its current generation, that generation's checkpoint
 * and the events after it. Read-only: it starts no projector, so it reports the projectors of the
 * server (or of whatever process runs them), not of this process.
 */
export async function readStoredStatuses(database: StoreDatabase, names: readonly string[]): Promise<StoredProjectionStatus[]> {
  const [generations, head] = await Promise.all([
    readGenerations(database.db.withTables<ProjectionTables>()),
    readHeadPosition(database.db),
  ]);
  const statuses: StoredProjectionStatus[] = [];
  for (const name of names) {
    const generation = generations.get(name);
    const checkpoint = generation ? await loadCheckpoint(database.db, subscriptionNameFor(name, generation.generation)) : null;
    const lag = await countEventsAfter(database.db, checkpoint ?? startOfLog, head);
    const state: StoredState = !generation
      ? 'not built'
      : generation.rebuildingGeneration !== null
        ? 'rebuilding'
        : lag === 0
          ? 'up to date'
          : 'behind';
    statuses.push({
      name,
      generation: generation?.generation ?? null,
      state,
      position: checkpoint ? encodePosition(checkpoint) : null,
      lag,
      rebuildingGeneration: generation?.rebuildingGeneration ?? null,
    });
  }
  return statuses;
}

async function countEventsAfter(db: Kysely<EventStoreTables>, position: LogPosition, head: LogPosition): Promise<number> {
  if (comparePositions(position, head) >= 0) return 0;
  const { rows } = await sql<{ lag: string }>`
    select count(*) as lag from (select 1 from tt_events
     where (tx_id, seq) > (${position.txId.toString()}::xid8, ${position.seq.toString()}::bigint)
       and (tx_id, seq) <= (${head.txId.toString()}::xid8, ${head.seq.toString()}::bigint)
     limit ${lagCountLimit}) behind`.execute(db);
  return Number(rows[0]?.lag ?? 0);
}
