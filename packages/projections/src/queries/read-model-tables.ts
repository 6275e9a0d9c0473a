import type { Kysely } from 'kysely';
import type { BalanceRow, EntryRow } from './ledger.ts';
import type { TransactionRow } from './transactions.ts';

/** The read models' tables, as their queries read them (each read model lives in a schema per generation). */
export interface ReadModelTables {
  transactions: TransactionRow;
  entries: EntryRow;
  balances: BalanceRow;
}

/**
 * The read models of one generation's schema, typed. Queries take whatever database their
 * request reads from (the primary or a replica, any Kysely), so the schema's tables are named here.
 */
// biome-ignore lint/suspicious/noExplicitAny: any database a read may go to; typed from here on
export function readModelTables(db: Kysely<any>, schema: string): Kysely<ReadModelTables> {
  return db.withSchema(schema) as Kysely<ReadModelTables>;
}
