import type { Kysely } from 'kysely';
import { transactionStreamId } from '@tracktrove/domain';
import type { EventStore, Page, RecordedEvent } from '@tracktrove/event-store';
import {
  balancesAsOf,
  getBalances,
  getTraces,
  getTransaction,
  getTransactionEntries,
  listLedgerEntries,
  listTransactionEvents,
  listTransactions,
  transactionAtVersion,
  verifyReadModels,
  type BalancesAsOfView,
  type BalancesView,
  type LedgerEntryView,
  type ListLedgerEntriesOptions,
  type ListTransactionEventsOptions,
  type ListTransactionsOptions,
  type ProjectionRuntime,
  type TraceView,
  type TransactionView,
  type VerifyOptions,
  type VerifyReport,
} from '@tracktrove/projections';
import type { TrackTroveTables } from './tables.ts';

/**
 * The database a read goes to: the primary, or a streaming replica that has caught up. The API
 * picks it per request (read-your-writes); the queries do not care which.
 */
export type ReadSource = Kysely<TrackTroveTables>;

/**
 * Every question the API asks of the read models and of history, by name. The read models' schema
 * names and the transaction stream ids stay here, behind the queries.
 */
export interface ReadQueries {
  /** The read model's row, or a fold of the stream when the read model has not seen it yet; null when there is no such transaction. */
  transaction(from: ReadSource, id: string): Promise<TransactionView | null>;
  /** The transaction as it was right after `version`; null when it has no such version. */
  transactionAtVersion(id: string, version: number): Promise<TransactionView | null>;
  transactions(from: ReadSource, options: ListTransactionsOptions): Promise<Page<TransactionView>>;
  retryPending(from: ReadSource, options: Omit<ListTransactionsOptions, 'status'>): Promise<Page<TransactionView>>;
  /** The transaction's events in stream order; null when there is no such transaction. */
  transactionEvents(id: string, options: ListTransactionEventsOptions): Promise<Page<RecordedEvent> | null>;
  /** The DTO before and after each step; empty for a transaction the read model has not seen (or none). */
  traces(from: ReadSource, id: string): Promise<TraceView[]>;
  ledgerEntries(from: ReadSource, options: ListLedgerEntriesOptions): Promise<Page<LedgerEntryView>>;
  transactionEntries(from: ReadSource, id: string): Promise<LedgerEntryView[]>;
  balances(from: ReadSource): Promise<BalancesView>;
  /** Balances folded from the log up to `position`. */
  balancesAsOf(position: string): Promise<BalancesAsOfView>;
  /** Whether any event of the transaction is in the log. */
  transactionExists(id: string): Promise<boolean>;
  /** Every read model against a fold of the log up to `options.upTo`, on the primary. */
  verify(options: VerifyOptions): Promise<VerifyReport>;
}

export function createReadQueries(runtime: ProjectionRuntime, store: EventStore): ReadQueries {
  const schemaOf = (name: 'transactions' | 'traces' | 'ledger') => runtime.schemaOf(name);
  const transactionExists = async (id: string) =>
    (await store.readStream(transactionStreamId(id), { direction: 'backward', maxCount: 1 })).length > 0;
  return {
    async transaction(from, id) {
      const view = await getTransaction(from, schemaOf('transactions'), id);
      if (view) return view;
      const [latest] = await store.readStream(transactionStreamId(id), { direction: 'backward', maxCount: 1 });
      return latest ? transactionAtVersion(store, id, latest.version) : null;
    },
    transactionAtVersion: (id, version) => transactionAtVersion(store, id, version),
    transactions: (from, options) => listTransactions(from, schemaOf('transactions'), options),
    retryPending: (from, options) => listTransactions(from, schemaOf('transactions'), { ...options, status: 'RETRY_PENDING' }),
    transactionEvents: (id, options) => listTransactionEvents(store, id, options),
    traces: (from, id) => getTraces(from, schemaOf('traces'), id),
    ledgerEntries: (from, options) => listLedgerEntries(from, schemaOf('ledger'), options),
    transactionEntries: (from, id) => getTransactionEntries(from, schemaOf('ledger'), id),
    balances: (from) => getBalances(from, schemaOf('ledger')),
    balancesAsOf: (position) => balancesAsOf(store, position),
    transactionExists,
    verify: (options) =>
      verifyReadModels(
        store,
        store.database.db,
        { transactions: schemaOf('transactions'), traces: schemaOf('traces'), ledger: schemaOf('ledger') },
        options,
      ),
  };
}
