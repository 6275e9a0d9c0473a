import type { Kysely } from 'kysely';
import {
  appendToStreams, readStream, WrongExpectedVersionError,
  type AppendedEvent, type EventStoreTables, type NewEvent, type RecordedEvent, type Upcaster,
} from '@tracktrove/event-store';
import { ConcurrencyConflictError, StreamTooLongError, VersionMismatchError } from './errors.ts';
import { runIdempotent, type IdempotencyRequest } from './idempotency.ts';

/** Business rules as two pure functions (see packages/domain). */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** One decided event with the states around it, for building its metadata. */
export interface DecidedStep<Event, State> {
  readonly event: Event;
  readonly before: State;
  readonly after: State;
}

export interface CommandRequest<Command, Event, State> {
  readonly decider: Decider<Command, Event, State>;
  readonly streamId: string;
  /** Builds the command from the current state (and attempt), so a retry decides afresh. */
  readonly command: Command | ((state: State) => Command);
  /** If-Match: the version the caller saw. A mismatch is a VersionMismatchError, never retried. */
  readonly expectedVersion?: number;
  /** Retries after a concurrent append; defaults to true without expectedVersion. */
  readonly retryOnConflict?: boolean;
  readonly maxAttempts?: number;
  /** Turns decided events into store events (ids, schema versions, metadata). */
  toStoreEvents(steps: readonly DecidedStep<Event, State>[]): NewEvent[];
  /** Reads stored events as domain events (after upcasting). */
  fromStored(event: RecordedEvent): Event;
  readonly upcast?: Upcaster;
  readonly idempotency?: IdempotencyRequest;
  /**
   * The caller just made up the stream's id (a fresh UUID): decide on the empty state without
   * reading. Should the stream exist after all, the append fails and the next attempt reads it.
   */
  readonly newStream?: boolean;
  /** Runs between deciding and appending (tests use it to let another writer in). */
  readonly beforeAppend?: () => Promise<void>;
}

export interface CommandResult<State> {
  readonly streamId: string;
  readonly state: State;
  /** The stream's version after the command (unchanged when it decided nothing). */
  readonly version: number;
  /** The position of the last appended event, or null when nothing was appended. */
  readonly position: string | null;
  readonly appended: readonly AppendedEvent[];
  /** True when the idempotency key replayed an earlier result. */
  readonly replayed: boolean;
}

export const commandLimits = { maxStreamEvents: 10_000, maxAttempts: 10, defaultAttempts: 3 } as const;

interface StoredResult {
  readonly version: number;
  readonly position: string | null;
  readonly appended: readonly (Omit<AppendedEvent, 'recordedAt'> & { recordedAt: string })[];
}

async function loadState<Command, Event, State>(db: Kysely<EventStoreTables>, request: CommandRequest<Command, Event, State>, uptoVersion?: number) {
  const events = await readStream(db, request.streamId, { maxCount: commandLimits.maxStreamEvents }, request.upcast);
  if (events.length >= commandLimits.maxStreamEvents) throw new StreamTooLongError(request.streamId, commandLimits.maxStreamEvents);
  let state = request.decider.initialState();
  let version = 0;
  for (const event of events) {
    if (uptoVersion !== undefined && event.version > uptoVersion) break;
    state = request.decider.evolve(state, request.fromStored(event));
    version = event.version;
  }
  return { state, version };
}

/**
 * Load the stream, decide, append with the version that was read. A concurrent append makes the
 * append fail; the command is then decided again on the new state, a bounded number of times.
 */
export async function handleCommand<Command, Event, State>(db: Kysely<any>, request: CommandRequest<Command, Event, State>): Promise<CommandResult<State>> {
  const maxAttempts = Math.min(request.maxAttempts ?? commandLimits.defaultAttempts, commandLimits.maxAttempts);
  const retry = request.retryOnConflict ?? request.expectedVersion === undefined;

  const attemptOnce = async (executor: Kysely<any>, firstAttempt: boolean): Promise<StoredResult & { state: State }> => {
    const { state, version } = request.newStream && firstAttempt
      ? { state: request.decider.initialState(), version: 0 }
      : await loadState(executor, request);
    if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
      throw new VersionMismatchError(request.streamId, request.expectedVersion, version);
    }
    const command = typeof request.command === 'function' ? (request.command as (state: State) => Command)(state) : request.command;
    const decided = request.decider.decide(command, state);
    if (decided.length === 0) return { state, version, position: null, appended: [] };
    const steps: DecidedStep<Event, State>[] = [];
    let current = state;
    for (const event of decided) {
      const after = request.decider.evolve(current, event);
      steps.push({ event, before: current, after });
      current = after;
    }
    await request.beforeAppend?.();
    const result = await appendToStreams(executor, [{ streamId: request.streamId, expectedVersion: version === 0 ? 'no_stream' : version, events: request.toStoreEvents(steps) }]);
    const newVersion = result.streamVersions[request.streamId] ?? version;
    if (newVersion !== version + decided.length) throw new Error(`stream ${request.streamId} went from ${version} to ${newVersion} with ${decided.length} events`);
    return {
      state: current,
      version: newVersion,
      position: result.position,
      appended: result.events.map((event) => ({ ...event, recordedAt: event.recordedAt.toISOString() })),
    };
  };

  for (let attempt = 1; ; attempt += 1) {
    try {
      if (!request.idempotency) {
        const outcome = await attemptOnce(db, attempt === 1);
        return finish(outcome, false);
      }
      const { result, replayed } = await runIdempotent<StoredResult>(db, request.idempotency, async (transaction) => {
        const outcome = await attemptOnce(transaction, attempt === 1);
        return { version: outcome.version, position: outcome.position, appended: outcome.appended };
      });
      // The state as of the stored version is the state the original command produced.
      const { state } = await loadState(db, request, result.version);
      return finish({ ...result, state }, replayed);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError) || error.streamId !== request.streamId) throw error;
      if (!retry) {
        throw new VersionMismatchError(request.streamId, request.expectedVersion ?? -1, error.actual ?? 0);
      }
      if (attempt >= maxAttempts) throw new ConcurrencyConflictError(request.streamId, attempt);
    }
  }

  function finish(outcome: StoredResult & { state: State }, replayed: boolean): CommandResult<State> {
    return {
      streamId: request.streamId,
      state: outcome.state,
      version: outcome.version,
      position: outcome.position,
      appended: outcome.appended.map((event) => ({ ...event, recordedAt: new Date(event.recordedAt) })),
      replayed,
    };
  }
}
