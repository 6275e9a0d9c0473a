import { sql } from 'kysely';
import { positionFromRow, type LogPosition } from './position.ts';
import type { EventStoreTables } from './schema.ts';
import { tablesOf, type Queryable } from './tables.ts';

/** Checkpoints are read and written with the builder, on the event store's tables only. */
const storeTables = tablesOf<EventStoreTables>();

/** Another consumer moved the checkpoint: this one's batch must not land. */
export class CheckpointMovedError extends Error {
  readonly code = 'checkpoint_moved';
  constructor(readonly subscriptionName: string) {
    super(`checkpoint ${subscriptionName} was moved by another consumer`);
    this.name = 'CheckpointMovedError';
  }
}

export async function loadCheckpoint<DB extends EventStoreTables>(db: Queryable<DB>, name: string): Promise<LogPosition | null> {
  const row = await storeTables(db).selectFrom('tt_checkpoints').select(['tx_id', 'seq']).where('name', '=', name).executeTakeFirst();
  return row ? positionFromRow(row) : null;
}

/** Creates the checkpoint at `from` unless it exists, and answers the stored position. */
export async function ensureCheckpoint<DB extends EventStoreTables>(
  db: Queryable<DB>,
  name: string,
  from: LogPosition,
): Promise<LogPosition> {
  await sql`
    insert into tt_checkpoints (name, tx_id, seq)
    values (${name}, ${from.txId.toString()}::xid8, ${from.seq.toString()}::bigint)
    on conflict (name) do nothing`.execute(db);
  const stored = await loadCheckpoint(db, name);
  if (!stored) throw new Error(`checkpoint ${name} vanished`);
  return stored;
}

/**
 * Moves a checkpoint from `from` to `to`; call it in the transaction that applied the events. If
 * the stored checkpoint is not at `from`, another consumer got there first and the transaction
 * must roll back.
 */
export async function advanceCheckpoint<DB extends EventStoreTables>(
  db: Queryable<DB>,
  name: string,
  from: LogPosition,
  to: LogPosition,
): Promise<void> {
  const result = await sql`
    update tt_checkpoints
       set tx_id = ${to.txId.toString()}::xid8, seq = ${to.seq.toString()}::bigint, updated_at = now()
     where name = ${name} and tx_id = ${from.txId.toString()}::xid8 and seq = ${from.seq.toString()}::bigint`.execute(db);
  if (Number(result.numAffectedRows ?? 0n) !== 1) throw new CheckpointMovedError(name);
}

/** Sets a checkpoint unconditionally (rebuilds, resets). */
export async function storeCheckpoint<DB extends EventStoreTables>(db: Queryable<DB>, name: string, position: LogPosition): Promise<void> {
  await sql`
    insert into tt_checkpoints (name, tx_id, seq, updated_at)
    values (${name}, ${position.txId.toString()}::xid8, ${position.seq.toString()}::bigint, now())
    on conflict (name) do update set tx_id = excluded.tx_id, seq = excluded.seq, updated_at = excluded.updated_at`.execute(db);
}

export async function deleteCheckpoint<DB extends EventStoreTables>(db: Queryable<DB>, name: string): Promise<void> {
  await storeTables(db).deleteFrom('tt_checkpoints').where('name', '=', name).execute();
}
