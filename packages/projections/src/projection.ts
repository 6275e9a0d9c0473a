import type { QueryCreator, Transaction } from 'kysely';
import type { RecordedEvent } from '@tracktrove/event-store';

/** Where a projection writes: its own schema, one per generation, so a rebuild never disturbs readers. */
export interface ProjectionContext {
  /** The schema of the generation being written. */
  readonly schema: string;
  /** Queries scoped to that schema. */
  readonly db: QueryCreator<any>;
  /** The enclosing transaction, for raw SQL (qualify tables with the schema). */
  readonly transaction: Transaction<any>;
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
   * Secondary indexes only queries need. A new generation gets them with its tables; a rebuild
   * creates them once the backlog is in, which is cheaper than maintaining them row by row.
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
   * (bounded) and write it out late: what it holds back must be written by flush(). A rebuild
   * that dies is started again from scratch, so nothing reads a generation before its flush.
   * Without it, a rebuild calls apply().
   */
  bulkBuilder?(): BulkBuilder;
}

export interface BulkBuilder {
  apply(events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
  /** Writes everything held back; the generation then equals one built by apply(). */
  flush(context: ProjectionContext): Promise<void>;
}
