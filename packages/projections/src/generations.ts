import { sql, type Kysely, type Transaction } from 'kysely';
import { transactionTablesOf, type EventStoreTables } from '@tracktrove/event-store';
import type { Projection, ProjectionContext } from './projection.ts';
import type { ProjectionDatabase } from './tables.ts';

export interface Generation {
  readonly name: string;
  readonly generation: number;
  readonly schema: string;
  readonly rebuildingGeneration: number | null;
}

export function schemaFor(name: string, generation: number): string {
  return `rm_${name.replace(/[^a-z0-9_]/g, '_')}_g${generation}`;
}

export function subscriptionNameFor(name: string, generation: number): string {
  return `projection:${name}:g${generation}`;
}

export async function readGenerations(db: Kysely<ProjectionDatabase>): Promise<Map<string, Generation>> {
  const { rows } = await sql<{ name: string; generation: number; schema_name: string; rebuilding_generation: number | null }>`
    select name, generation, schema_name, rebuilding_generation from tt_projections`.execute(db);
  return new Map(
    rows.map((row) => [
      row.name,
      { name: row.name, generation: row.generation, schema: row.schema_name, rebuildingGeneration: row.rebuilding_generation },
    ]),
  );
}

/**
 * Creates a generation's schema and tables, and their secondary indexes unless `withIndexes` is
 * false (a rebuild adds them with createGenerationIndexes once the backlog is in); safe to run again,
 * and from several processes at once.
 */
export async function createGenerationTables(
  db: Kysely<ProjectionDatabase>,
  projection: Projection,
  generation: number,
  withIndexes = true,
): Promise<string> {
  const schema = schemaFor(projection.name, generation);
  await db.transaction().execute(async (transaction) => {
    // Processes starting together on a fresh database would race to create the same schema; the
    // lock makes the second wait for the first and then find the schema there.
    await sql`select pg_advisory_xact_lock(hashtext(${`tt:schema:${schema}`}))`.execute(transaction);
    const exists = await sql<{ found: boolean }>`select exists (select 1 from pg_namespace where nspname = ${schema}) as found`.execute(
      transaction,
    );
    if (exists.rows[0]?.found) return;
    await sql`create schema ${sql.id(schema)}`.execute(transaction);
    const context = projectionContextOf(schema, transaction);
    await projection.createTables(context);
    if (withIndexes) await projection.createIndexes?.(context);
  });
  return schema;
}

/** Creates the secondary indexes of a generation built without them. */
export async function createGenerationIndexes(db: Kysely<ProjectionDatabase>, projection: Projection, generation: number): Promise<void> {
  if (!projection.createIndexes) return;
  const schema = schemaFor(projection.name, generation);
  await db.transaction().execute(async (transaction) => {
    await projection.createIndexes!(projectionContextOf(schema, transaction));
  });
}

/** The metadata keys that none of `projections` reads (see Projection.omitsMetadataKeys). */
export function metadataKeysOmittedByAll(projections: readonly Projection[]): string[] {
  const [first, ...rest] = projections;
  if (!first?.omitsMetadataKeys) return [];
  return first.omitsMetadataKeys.filter((key) => rest.every((projection) => projection.omitsMetadataKeys?.includes(key)));
}

/** Registers a projection at generation 1 unless it is known; answers its current generation. */
export async function ensureGeneration(db: Kysely<ProjectionDatabase>, projection: Projection): Promise<Generation> {
  const known = (await readGenerations(db)).get(projection.name);
  if (known) {
    await createGenerationTables(db, projection, known.generation);
    return known;
  }
  const schema = await createGenerationTables(db, projection, 1);
  await sql`insert into tt_projections (name, generation, schema_name) values (${projection.name}, 1, ${schema}) on conflict (name) do nothing`.execute(
    db,
  );
  const stored = (await readGenerations(db)).get(projection.name);
  if (!stored) throw new Error(`projection ${projection.name} was not registered`);
  return stored;
}

export async function dropSchema(db: Kysely<ProjectionDatabase>, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

/** A projection's context in a transaction of the runtime: its schema, on the event store's tables. */
function projectionContextOf(schema: string, runtimeTransaction: Transaction<ProjectionDatabase>): ProjectionContext {
  const transaction = transactionTablesOf<EventStoreTables>()(runtimeTransaction);
  return { schema, db: transaction.withSchema(schema), transaction };
}
