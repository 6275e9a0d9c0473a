import type { Kysely } from 'kysely';
import type { LastError, LedgerPhase } from '@tracktrove/domain';
import type { Queryable } from '@tracktrove/event-store';

/** A row of the transactions read model. */
export interface TransactionRow {
  id: string;
  status: string;
  amount_minor: string | number;
  currency: string;
  vendor_id: string;
  payer_id: string;
  channel: string;
  kind: string;
  service_context: string | null;
  retry_count: number;
  version: number;
  position: string;
  created_position: string;
  created_at: Date | null;
  updated_at: Date | null;
  escrow_expires_at: Date | null;
  last_error: LastError | null;
}

/** A row of the ledger's entries. */
export interface EntryRow {
  id: string;
  transaction_id: string;
  version: number;
  type: string;
  debit_account: string;
  credit_account: string;
  amount_minor: string | number;
  currency: string;
  phase: LedgerPhase;
  pending_id: string | null;
  position: string;
  at: Date;
}

/** A row of the ledger's balances, per account. */
export interface BalanceRow {
  account: string;
  currency: string;
  debits_posted: string | number;
  credits_posted: string | number;
  debits_pending: string | number;
  credits_pending: string | number;
}

/** The read models' tables, as their queries read them (each read model lives in a schema per generation). */
export interface ReadModelTables {
  transactions: TransactionRow;
  entries: EntryRow;
  balances: BalanceRow;
}

/**
 * The read models of one generation's schema, typed. Queries take whatever database their
 * request reads from (the primary or a replica, whatever tables its type names), so the schema's
 * tables are named here: the one cast of a read model's tables, checked by the queries' tests.
 */
export function readModelTables<DB>(db: Queryable<DB>, schema: string): Kysely<ReadModelTables> {
  return db.withSchema(schema) as unknown as Kysely<ReadModelTables>;
}
