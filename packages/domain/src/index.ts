// Errors
export {
  assert as assertInvariant,
  ForbiddenError,
  InvalidTransitionError,
  InvariantViolation,
  isDomainError,
  ValidationError,
  type DomainError,
  type FieldError,
} from './errors.ts';

// JSON, money, statuses
export { isJsonObject, JsonValueSchema, type JsonValue } from './json.ts';
export {
  currencyMinorDigits,
  CurrencySchema,
  defaultCurrency,
  isCurrency,
  parseCurrency,
  supportedCurrencies,
  type Currency,
} from './money/currency.ts';
export { defaultAmountLimits, formatAmount, parseAmount, type ParseAmountOptions } from './money/money.ts';
export {
  FundsPositionSchema,
  fundsPositions,
  isTerminal,
  terminalStatuses,
  TransactionStatusSchema,
  transactionStatuses,
  type FundsPosition,
  type LifecycleStatus,
  type TransactionStatus,
} from './status.ts';

// Events
export * from './events/common.ts';
export * from './events/transaction-initiated.ts';
export * from './events/authorization.ts';
export * from './events/hold-resolution.ts';
export * from './events/settlement.ts';
export * from './events/refund.ts';
export * from './events/dispute.ts';
export * from './events/status-overridden.ts';
export * from './events/transaction-event.ts';
export { upcastEvent, upcasters, type StoredEvent, type Upcaster } from './events/upcast.ts';
export { parseEvent, parseEventTrusted } from './events/parse-event.ts';
export { occurredAt } from './events/occurred-at.ts';
export {
  buildMetadata,
  EventMetadataSchema,
  StepErrorSchema,
  stepDtoKeys,
  type EventMetadata,
  type MetadataInput,
  type ServiceName,
  type StepError,
} from './events/metadata.ts';

// W3C trace context
export {
  defaultTraceIdOf,
  formatTraceparent,
  maxTraceparentLength,
  parseTraceparent,
  spanIdOf,
  traceparentAt,
  transactionTraceOf,
  validTraceparent,
  type TraceContext,
} from './trace-context.ts';

// Transaction streams
export { transactionIdOf, transactionStreamId, transactionStreamPrefix } from './transaction-stream.ts';

// Decider
export type * from './decider/commands.ts';
export {
  awaitsSettlement,
  hasPendingRefund,
  initialState,
  retriesLeft,
  type Dispute,
  type Hold,
  type LastError,
  type Refund,
  type TransactionState,
} from './decider/state.ts';
export {
  findTransition,
  isAllowedTransition,
  targetOf,
  transitions,
  transitionTableMarkdown,
  type Transition,
} from './decider/transitions.ts';
export { fundsForStatus, fundsMatchStatus } from './decider/funds.ts';
export { decide } from './decider/decide.ts';
export { evolve } from './decider/evolve.ts';
export { dtoOf } from './decider/dto.ts';
export { lifecycleActionNames, lifecycleActions, type LifecycleAction, type LifecycleActions } from './decider/lifecycle-actions.ts';
export { serviceOf, stepErrorOf, traceSteps, type TracedEvent } from './decider/trace-steps.ts';

// Ledger
export {
  accountAt,
  escrowAccount,
  isEscrowAccount,
  payerAccount,
  vendorAccount,
  type AccountId,
} from './ledger/accounts.ts';
export {
  ledgerEntryTypes,
  pendingIdOf,
  type LedgerEntry,
  type LedgerEntryType,
  type LedgerPhase,
} from './ledger/ledger-entry.ts';
export { fundsMoves, postingsFor } from './ledger/postings-for.ts';
export {
  applyEntry,
  emptyBalances,
  foldBalances,
  postedBalance,
  totalsOf,
  type AccountBalance,
  type Balances,
  type LedgerTotals,
  type PendingTransfer,
} from './ledger/balances.ts';
export { checkLedgerInvariants, type LedgerViolation } from './ledger/check-ledger-invariants.ts';
export { createLedgerChecker, type LedgerChecker } from './ledger/ledger-checker.ts';
export { addFlow, emptyFlows, positionOfFlows, type TransactionFlows } from './ledger/transaction-flows.ts';
