export { ConcurrencyConflictError, IdempotencyKeyReusedError, StreamTooLongError, VersionMismatchError } from './errors.ts';
export { commandLimits, handleCommand, type Alongside, type CommandRequest, type CommandResult, type DecidedStep, type Decider } from './handle-command.ts';
export { expireIdempotencyKeys, hashRequest, idempotencyLimits, runIdempotent, type IdempotencyRequest } from './idempotency.ts';
export { commandMigrations } from './migrations.ts';
export {
  executeTransactionCommand, loadTransaction, toTransactionEvent, transactionIdOf, transactionStreamId, transactionStreamPrefix, upcastTransactionEvent,
  type CommandSequence, type StepContext, type TransactionCommandRequest,
} from './transaction-commands.ts';
