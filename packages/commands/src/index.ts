export { ConcurrencyConflictError, IdempotencyKeyReusedError, StreamTooLongError, VersionMismatchError } from './errors.ts';
export {
  commandLimits,
  handleCommand,
  handleCommandBatch,
  type Alongside,
  type CommandBatchOptions,
  type CommandBatchResult,
  type CommandRequest,
  type CommandResult,
  type DecidedStep,
  type Decider,
  type Transition,
} from './handle-command.ts';
export {
  expireIdempotencyKeys,
  hashRequest,
  idempotencyLimits,
  runIdempotent,
  runIdempotentAround,
  type IdempotencyRequest,
} from './idempotency.ts';
export {
  idempotencyExpiryDefaults,
  startIdempotencyExpiry,
  trimIdempotencyKeys,
  type IdempotencyExpiry,
  type IdempotencyExpiryOptions,
} from './idempotency-expiry.ts';
export { commandMigrations } from './migrations.ts';
export {
  executeTransactionCommand,
  executeTransactionCommands,
  loadTransaction,
  loadTransactions,
  loadTransactionWithPosition,
  toTransactionEvent,
  transactionIdOf,
  transactionStreamId,
  transactionStreamPrefix,
  upcastTransactionEvent,
  type CommandSequence,
  type StepContext,
  type TransactionCommandRequest,
} from './transaction-commands.ts';
export { isConflict, transact, transactLimits } from './transact.ts';
export type { CommandTables, IdempotencyTable } from './tables.ts';
