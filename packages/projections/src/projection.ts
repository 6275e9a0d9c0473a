import type { Kysely, QueryCreator, Transaction } from 'kysely';
import type { EventStoreTables, RecordedEvent } from '@tracktrove/event-store';

/** Runs `COPY ... FROM STDIN` with `text` (COPY's text format) on the connection of the enclosing transaction. */
export type CopyFrom = (copyStatement: string, text: Buffer) => Promise<void>;

/** Where a projection writes: its own schema, one per generation, so a rebuild never disturbs readers. */
export interface ProjectionContext {
  /** The schema of the generation being written. */
  readonly schema: string;
  /** Queries scoped to that schema. */
  readonly db: QueryCreator<any>;
  /** The enclosing transaction, for raw SQL (qualify tables with the schema). */
  readonly transaction: Transaction<EventStoreTables>;
  /**
   * COPY into the transaction's connection: offered to a rebuild's writes on PostgreSQL, which fill
   * fresh tables nobody reads yet (absent on PGlite and in live batches: write with INSERT there).
   */
  readonly copyFrom?: CopyFrom;
}

/**
 * A read model built from the log. apply() receives events in global order, in batches, inside
 * the transaction that also advances the projection's checkpoint: each event lands exactly once.
 */
export interface Projection {
  readonly name: string;
  /** The tables, with the keys apply() needs. */
  createTables(context: ProjectionContext): Promise<void>;
  /**
   * Indexes only queries need, and the primary keys of append-only tables. A new generation gets
   * them with its tables; a rebuild creates them once the backlog is in, which is cheaper than
   * maintaining them row by row.
   */
  createIndexes?(context: ProjectionContext): Promise<void>;
  /**
   * Metadata keys apply() never reads: the runtime leaves them out of what it reads from the log
   * when no projection of the same read needs them.
   */
  readonly omitsMetadataKeys?: readonly string[];
  apply(events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
  /**
   * A builder for the backlog of a rebuild, which may keep state in memory between batches
   * (bounded) and write it out late: what it holds back must be written by finish(). A rebuild
   * that dies is started again from scratch, so nothing reads a generation before its finish.
   * Without it, a rebuild calls apply().
   */
  bulkBuilder?(options: BulkBuilderOptions): BulkBuilder;
}

export interface BulkBuilderOptions {
  /** Whether the writes will be offered ProjectionContext.copyFrom (rows are encoded for it while folding). */
  readonly copy: boolean;
  /** At most this many per-key states kept in memory (the builder's default when absent). */
  readonly cachedStates?: number;
}

/** Where a builder reads rows that earlier batches' writes committed. */
export interface BulkReadContext {
  readonly schema: string;
  readonly db: Kysely<EventStoreTables>;
}

/** Writes a builder prepared in memory, run later in the batch's transaction. */
export type BulkWrite = (context: ProjectionContext) => Promise<void>;

/** A batch that writes nothing. */
export const noWrites: BulkWrite = async () => undefined;

/**
 * Builds a generation batch by batch in two steps, so that folding a batch in Node overlaps
 * PostgreSQL's writing of the previous one: prepare() folds a batch and answers its writes; the
 * runtime runs them after those of the previous batch, and prepares the next batch meanwhile.
 * When prepare() runs, the writes of every batch but the previous one have committed: what the
 * previous batch's writes hold, the builder must still find in memory.
 */
export interface BulkBuilder {
  prepare(events: readonly RecordedEvent[], reader: BulkReadContext): Promise<BulkWrite>;
  /** The writes of everything held back, run after the last batch's; the generation then equals one built by apply(). */
  finish(): BulkWrite;
}
