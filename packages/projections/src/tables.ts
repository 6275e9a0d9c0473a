import type { DefaultedColumn, EventStoreTables } from '@tracktrove/event-store';

/** tt_projections: each projection's live generation (its schema) and the one being rebuilt, if any. */
export type ProjectionsTable = {
  name: string;
  generation: number;
  schema_name: string;
  rebuilding_generation: number | null;
  updated_at: DefaultedColumn<Date>;
};

/**
 * The tables the projections package owns in the public schema (migrations.ts). The read models'
 * own tables live in a schema per generation: ReadModelTables (queries/read-model-tables.ts).
 */
export type ProjectionTables = {
  tt_projections: ProjectionsTable;
};

/** What the projections read and write in the public schema: their own table and the event store's. */
export type ProjectionDatabase = ProjectionTables & EventStoreTables;
