export {
  createGenerationTables,
  ensureGeneration,
  readGenerations,
  schemaFor,
  subscriptionNameFor,
  type Generation,
} from './generations.ts';
export { projectionMigrations } from './migrations.ts';
export type { Projection, ProjectionContext } from './projection.ts';
export {
  RebuildInProgressError,
  startProjectionRuntime,
  UnknownProjectionError,
  type ProjectionRuntime,
  type ProjectionRuntimeOptions,
  type ProjectionState,
  type ProjectionStatus,
  type RebuildAllProgress,
  type RebuildProgress,
  type RebuildResult,
} from './runtime.ts';

// Read models
export { readModels } from './read-models/index.ts';
export { transactionsProjection, transactionsReadModel } from './read-models/transactions-projection.ts';
export { tracesProjection, tracesReadModel } from './read-models/traces-projection.ts';
export {
  balanceDeltas,
  ledgerEntriesOf,
  ledgerProjection,
  ledgerReadModel,
  type PositionedEntry,
} from './read-models/ledger-projection.ts';
export { diffJson, type JsonPatchOperation } from './read-models/json-diff.ts';
export {
  traceDtoKeys,
  traceRecordOf,
  traceStepOf,
  type TraceActor,
  type TraceRecord,
  type TraceStepRecord,
} from './read-models/trace-record.ts';
export {
  foldRecord,
  isTransactionRecord,
  StreamOrderError,
  transactionIdOf,
  transactionRecords,
  transactionStreamId,
  transactionStreamPrefix,
} from './read-models/transaction-stream.ts';
export { isoTime, transactionViewOf, type TransactionView } from './read-models/transaction-view.ts';

// Queries
export { decodeCursor, encodeCursor, InvalidCursorError, maxPageSize, type Page } from '@tracktrove/event-store';
export { getTransaction, listRetryPending, listTransactions, type ListTransactionsOptions } from './queries/transactions.ts';
export { getTraces, type TraceView } from './queries/traces.ts';
export {
  getBalances,
  getTransactionEntries,
  listLedgerEntries,
  type LedgerEntryView,
  type ListLedgerEntriesOptions,
} from './queries/ledger.ts';
export { balancesViewOf, type AccountBalanceView, type BalanceAmounts, type BalancesView } from './queries/balances-view.ts';

// History
export { balancesAsOf, type BalancesAsOfView } from './history/balances-as-of.ts';
export { transactionAtVersion } from './history/transaction-at-version.ts';
export { listTransactionEvents, type ListTransactionEventsOptions } from './history/transaction-events.ts';

// Verify
export {
  verifyReadModels,
  type ReadModelDifference,
  type ReadModelSchemas,
  type VerifyOptions,
  type VerifyReport,
} from './verify/verify-read-models.ts';
export type { ProjectionDatabase, ProjectionsTable, ProjectionTables } from './tables.ts';
