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
  createTables(context: ProjectionContext): Promise<void>;
  apply(events: readonly RecordedEvent[], context: ProjectionContext): Promise<void>;
}
