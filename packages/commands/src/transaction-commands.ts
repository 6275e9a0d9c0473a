import {
  decide,
  eventSchemaVersions,
  evolve,
  initialState,
  parseEvent,
  parseEventTrusted,
  stepDtoKeys,
  traceSteps,
  transactionStreamId,
  upcastEvent,
  type Actor,
  type StepError,
  type TransactionCommand,
  type TransactionEvent,
  type TransactionState,
} from '@tracktrove/domain';
import {
  readStream,
  readStreams,
  type EventStoreTables,
  type NewEvent,
  type Queryable,
  type RecordedEvent,
  type Upcaster,
} from '@tracktrove/event-store';
import {
  handleCommand,
  handleCommandBatch,
  type Alongside,
  type CommandBatchOptions,
  type CommandBatchResult,
  type CommandRequest,
  type CommandResult,
  type Decider,
} from './handle-command.ts';
import type { IdempotencyRequest } from './idempotency.ts';
import type { CommandTables } from './tables.ts';

export { transactionIdOf, transactionStreamId, transactionStreamPrefix } from '@tracktrove/domain';

/** Several commands decided one after the other and appended together, e.g. Initiate + RecordAuthorization. */
export type CommandSequence = readonly TransactionCommand[];

const sequenceDecider: Decider<CommandSequence, TransactionEvent, TransactionState> = {
  decide(commands, state) {
    const events: TransactionEvent[] = [];
    let current = state;
    for (const command of commands) {
      const decided = decide(command, current);
      for (const event of decided) current = evolve(current, event);
      events.push(...decided);
    }
    return events;
  },
  evolve,
  initialState,
};

/** Upcasts stored transaction events to their current schema (for the store's readers). */
export const upcastTransactionEvent: Upcaster = (event) => (event.type in eventSchemaVersions ? upcastEvent(event) : event);

/** A stored transaction event as a domain event, validated (for tools reading a log they did not write). */
export function toTransactionEvent(event: RecordedEvent): TransactionEvent {
  return parseEvent(event.type, event.schemaVersion, event.data);
}

/** A stored transaction event as a domain event, trusted: the store's own log, validated when it was written. */
function fromOwnLog(event: RecordedEvent): TransactionEvent {
  return parseEventTrusted(event.type, event.schemaVersion, event.data);
}

export interface StepContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId?: string | null;
  /** The step and service of the trace; by default the event type and its usual service. */
  readonly step?: string;
  readonly service?: string;
  readonly attempt?: number;
  readonly durationMs?: number;
  readonly error?: StepError | Error | null;
  /** The request's valid W3C `traceparent`, kept on each event; without one, events continue the transaction's trace. */
  readonly traceparent?: string | null;
}

export interface TransactionCommandRequest {
  readonly transactionId: string;
  /** One command, several in sequence, or a function of the current state (decided again on retry). */
  readonly command: TransactionCommand | CommandSequence | ((state: TransactionState) => TransactionCommand | CommandSequence);
  readonly context: StepContext;
  /** Step details that depend on the state the command is decided on (a retry's attempt, the gateway's latency). */
  readonly stepOf?: (state: TransactionState) => Pick<StepContext, 'attempt' | 'durationMs'>;
  readonly expectedVersion?: number;
  readonly idempotency?: IdempotencyRequest;
  /** The id was just generated: no stream to read (see CommandRequest.newStream). */
  readonly newStream?: boolean;
  /** Writes that follow from the transition, in the append's statement (see CommandRequest.alongside). */
  readonly alongside?: (before: TransactionState, after: TransactionState) => Alongside | null;
  /** Runs between deciding and appending (tests use it to let another writer in). */
  readonly beforeAppend?: () => Promise<void>;
}

const asSequence = (command: TransactionCommand | CommandSequence): CommandSequence =>
  Array.isArray(command) ? (command as CommandSequence) : [command as TransactionCommand];

/** A transaction command as a command request: txn-<id>, the sequence decider, metadata with the step trace. */
function transactionCommandRequest(
  request: TransactionCommandRequest,
): CommandRequest<CommandSequence, TransactionEvent, TransactionState> {
  return {
    decider: sequenceDecider,
    streamId: transactionStreamId(request.transactionId),
    command:
      typeof request.command === 'function'
        ? (state: TransactionState) =>
            asSequence((request.command as (state: TransactionState) => TransactionCommand | CommandSequence)(state))
        : asSequence(request.command),
    expectedVersion: request.expectedVersion,
    idempotency: request.idempotency,
    newStream: request.newStream,
    alongside: request.alongside,
    beforeAppend: request.beforeAppend,
    upcast: upcastTransactionEvent,
    omitMetadataKeys: stepDtoKeys,
    fromStored: fromOwnLog,
    toStoreEvents(steps): NewEvent[] {
      const first = steps[0];
      if (!first) return [];
      const context = request.stepOf ? { ...request.context, ...request.stepOf(first.before) } : request.context;
      const traced = traceSteps(
        first.before,
        steps.map((step) => step.event),
        {
          actor: context.actor,
          correlationId: context.correlationId,
          causationId: context.causationId ?? null,
          step: context.step,
          service: context.service,
          attempt: context.attempt,
          durationMs: context.durationMs,
          error: context.error ?? null,
          traceparent: context.traceparent ?? null,
        },
      );
      return traced.map(({ event, metadata }) => ({
        type: event.type,
        schemaVersion: eventSchemaVersions[event.type],
        data: event.data,
        metadata: metadata as unknown as Record<string, unknown>,
      }));
    },
  };
}

/** Runs a transaction command: load txn-<id>, decide, append with metadata and the step trace. */
export function executeTransactionCommand<DB extends EventStoreTables & CommandTables>(
  db: Queryable<DB>,
  request: TransactionCommandRequest,
): Promise<CommandResult<TransactionState>> {
  return handleCommand(db, transactionCommandRequest(request));
}

/** Runs commands on several transactions as one batch (see handleCommandBatch). */
export function executeTransactionCommands<DB extends EventStoreTables & CommandTables>(
  db: Queryable<DB>,
  requests: readonly TransactionCommandRequest[],
  options: CommandBatchOptions<TransactionState> = {},
): Promise<CommandBatchResult<TransactionState>> {
  return handleCommandBatch(db, requests.map(transactionCommandRequest), options);
}

/** The current state of a transaction from its stream (null when it does not exist). */
export async function loadTransaction<DB extends EventStoreTables>(
  db: Queryable<DB>,
  transactionId: string,
  uptoVersion?: number,
): Promise<TransactionState | null> {
  return (await loadTransactionWithPosition(db, transactionId, uptoVersion))?.state ?? null;
}

/** A transaction's state and the log position of its last event, from one read of its stream (null when it does not exist). */
export async function loadTransactionWithPosition<DB extends EventStoreTables>(
  db: Queryable<DB>,
  transactionId: string,
  uptoVersion?: number,
): Promise<{ state: TransactionState; position: string } | null> {
  const events = await readStream(
    db,
    transactionStreamId(transactionId),
    { maxCount: 10_000, omitMetadataKeys: stepDtoKeys },
    upcastTransactionEvent,
  );
  if (events.length === 0) return null;
  const state = foldTransaction(events, uptoVersion);
  return { state, position: events[state.version - 1]?.position ?? events.at(-1)!.position };
}

/** A transaction's state from its stored events (up to a version when given). */
function foldTransaction(events: readonly RecordedEvent[], uptoVersion?: number): TransactionState {
  let state = initialState();
  for (const event of events) {
    if (uptoVersion !== undefined && event.version > uptoVersion) break;
    state = evolve(state, fromOwnLog(event));
  }
  return state;
}

/** Streams read per query by loadTransactions: well under the store's per-read event bound. */
const loadChunkStreams = 100;

/** The current states of several transactions, their streams read together (absent ones are left out). */
export async function loadTransactions<DB extends EventStoreTables>(
  db: Queryable<DB>,
  transactionIds: readonly string[],
): Promise<Map<string, TransactionState>> {
  const states = new Map<string, TransactionState>();
  for (let index = 0; index < transactionIds.length; index += loadChunkStreams) {
    const chunk = transactionIds.slice(index, index + loadChunkStreams);
    const streams = await readStreams(db, chunk.map(transactionStreamId), upcastTransactionEvent, { omitMetadataKeys: stepDtoKeys });
    for (const transactionId of chunk) {
      const events = streams.get(transactionStreamId(transactionId));
      if (events) states.set(transactionId, foldTransaction(events));
    }
  }
  return states;
}
