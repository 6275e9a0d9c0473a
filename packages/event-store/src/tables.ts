import type { ColumnType, Kysely, Transaction } from 'kysely';

/**
 * A bigint column: node-postgres hands it over as a string, PGlite as a number (a bigint past
 * 2^53), so readers convert with Number(); writes take either.
 */
export type Int8Column = ColumnType<string | number, string | number, string | number>;

/**
 * A connection or a transaction on it, with tables DB. Transaction<DB> is a Kysely<DB>, but
 * TypeScript infers DB from a Kysely<DB> parameter only when given a Kysely: naming both lets a
 * generic function `<DB extends Tables>(db: Queryable<DB>)` take either and keep its tables.
 */
export type Queryable<DB> = Kysely<DB> | Transaction<DB>;

/** A column with a default: read as Select, optional on insert. */
export type DefaultedColumn<Select> = ColumnType<Select, Select | undefined, Select>;

/** A table of one row, id 1 (a check constraint keeps it so), with the given columns. */
export type OneRowTable<Columns> = { id: 1 } & Columns;

/**
 * The same connection typed with only the tables of Sub, for a caller whose connection has them
 * all (and more). Kysely<DB> is invariant in DB, so a Kysely<A & B> is no Kysely<A>; this is the
 * one place that narrows it, and it can only drop tables, never add one:
 * `tablesOf<TimerTables>()(db)` compiles only where db's tables include TimerTables.
 */
export function tablesOf<Sub>() {
  return narrow as <DB extends Sub>(db: Queryable<DB>) => Kysely<Sub>;
}

/** tablesOf for a transaction: the same transaction, typed with the tables of Sub. */
export function transactionTablesOf<Sub>() {
  return narrow as <DB extends Sub>(transaction: Transaction<DB>) => Transaction<Sub>;
}

function narrow<T>(db: T): T {
  return db;
}
