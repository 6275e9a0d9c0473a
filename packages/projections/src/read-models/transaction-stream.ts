import type { RecordedEvent } from '@tracktrove/event-store';
import {
  evolve,
  initialState,
  isTransactionEventType,
  parseEvent,
  transactionIdOf,
  transactionStreamPrefix,
  type TransactionEvent,
  type TransactionState,
} from '@tracktrove/domain';

export { transactionIdOf, transactionStreamId, transactionStreamPrefix } from '@tracktrove/domain';

/** Whether a read model of transactions cares about an event: a known transaction event type in a transaction stream. */
export function isTransactionRecord(event: RecordedEvent): boolean {
  return event.streamId.startsWith(transactionStreamPrefix) && isTransactionEventType(event.type);
}

/** The events of a batch that belong to transactions; other streams and unknown types are ignored. */
export function transactionRecords(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events.filter(isTransactionRecord);
}

/** The distinct transaction ids a list of transaction records touches, in first-seen order. */
export function touchedTransactionIds(records: readonly RecordedEvent[]): string[] {
  return [...new Set(records.map((record) => transactionIdOf(record.streamId)!))];
}

/** Turns a stored event into a domain event: parseEvent (validating) or parseEventTrusted (the store's own log). */
export type EventParser = (type: string, schemaVersion: number, data: unknown) => TransactionEvent;

export class StreamOrderError extends Error {
  readonly code = 'invariant_violation';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId}: expected event version ${expectedVersion}, got ${actualVersion} (an event skipped or applied twice)`);
    this.name = 'StreamOrderError';
  }
}

/**
 * Folds one recorded event into its transaction's state (validating it unless told otherwise), asserting that it is the stream's next
 * version: an event applied twice or skipped is a loud error, never a silent drift.
 */
export function foldRecord(
  state: TransactionState | undefined,
  record: RecordedEvent,
  parse: EventParser = parseEvent,
): { before: TransactionState; event: TransactionEvent; after: TransactionState } {
  const before = state ?? initialState();
  if (record.version !== before.version + 1) throw new StreamOrderError(record.streamId, before.version + 1, record.version);
  const event = parse(record.type, record.schemaVersion, record.data);
  return { before, event, after: evolve(before, event) };
}

export interface TransactionFold {
  readonly before: TransactionState;
  readonly event: TransactionEvent;
  readonly after: TransactionState;
}

/**
 * Folds of the full state (payload included) made by a rebuild's builders, by record: the
 * transactions builder folds every event of the pass, and the ledger builder, whose states are
 * the same fold less the payload, takes its event and state from here instead of folding again.
 * Only the latest batch's folds are kept (the transactions builder drops them before each batch and
 * at its finish): a plain Map of one batch costs the garbage collector less than a WeakMap holding
 * every batch's folds until their records are collected. A record not found is folded again.
 */
let sharedFolds = new Map<RecordedEvent, Omit<TransactionFold, 'before'>>();

/** Forgets the folds shared so far (before a new batch is folded, and when the rebuild is done). */
export function dropSharedFolds(): void {
  sharedFolds = new Map();
}

/** foldRecord (trusted), remembered for foldRecordShared until dropSharedFolds. */
export function foldRecordToShare(state: TransactionState | undefined, record: RecordedEvent, parse: EventParser): TransactionFold {
  const fold = foldRecord(state, record, parse);
  sharedFolds.set(record, { event: fold.event, after: fold.after });
  return fold;
}

/**
 * foldRecord, taking the event and the state after it from a fold of the same record already made
 * from the full state (see foldRecordToShare). Only for read models that ignore the payload: the
 * state answered keeps the full fold's payload. The version is checked against `state` either way.
 */
export function foldRecordShared(state: TransactionState | undefined, record: RecordedEvent, parse: EventParser): TransactionFold {
  const shared = sharedFolds.get(record);
  if (!shared) return foldRecord(state, record, parse);
  const before = state ?? initialState();
  if (record.version !== before.version + 1) throw new StreamOrderError(record.streamId, before.version + 1, record.version);
  return { before, event: shared.event, after: shared.after };
}
