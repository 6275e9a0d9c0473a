import type { ColumnType, Generated } from 'kysely';

/** Tables of the event store, as kysely sees them. xid8 and bigint columns arrive as strings. */
export interface EventsTable {
  seq: ColumnType<string, never, never>;
  tx_id: ColumnType<string, never, never>;
  stream_id: string;
  stream_version: ColumnType<string, number, never>;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  recorded_at: ColumnType<Date, never, never>;
}

/** Filled by a trigger on tt_events: the keys unique across its partitions. Never written directly. */
export interface EventKeysTable {
  event_id: ColumnType<string, never, never>;
  stream_id: ColumnType<string, never, never>;
  stream_version: ColumnType<string, never, never>;
}

export interface StreamsTable {
  stream_id: string;
  version: ColumnType<string, number, number>;
}

export interface CheckpointsTable {
  name: string;
  tx_id: string;
  seq: string;
  updated_at: Generated<Date>;
}

export interface EventStoreTables {
  tt_events: EventsTable;
  tt_event_keys: EventKeysTable;
  tt_streams: StreamsTable;
  tt_checkpoints: CheckpointsTable;
}
