import type { RawBuilder } from 'kysely';
import {
  appendToStreams,
  readStream,
  readStreams,
  WrongExpectedVersionError,
  type AppendedEvent,
  type EventStoreTables,
  type NewEvent,
  type Queryable,
  type RecordedEvent,
  type StreamAppend,
  type Upcaster,
} from '@tracktrove/event-store';
import { ConcurrencyConflictError, StreamTooLongError, VersionMismatchError } from './errors.ts';
import { runIdempotent, type IdempotencyRequest } from './idempotency.ts';
import type { CommandTables } from './tables.ts';

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

/** What a command writes besides its own stream's events, atomically with them and in the same round trip. */
export interface Alongside {
  /** More streams appended in the same call. */
  readonly streams?: readonly StreamAppend[];
  /** A SQL expression evaluated in the append's statement (AppendOptions.alongside); its value is CommandResult.alongside. */
  readonly statement?: RawBuilder<unknown>;
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
  /** Metadata keys the fold does not need, left out of the stream's read (see ReadStreamOptions). */
  readonly omitMetadataKeys?: readonly string[];
  readonly idempotency?: IdempotencyRequest;
  /**
   * The caller just made up the stream's id (a fresh UUID): decide on the empty state without
   * reading. Should the stream exist after all, the append fails and the next attempt reads it.
   */
  readonly newStream?: boolean;
  /**
   * The writes that follow from the transition (timers, outbox rows...), made in the append's
   * statement: they commit with the events or not at all. Not called when nothing was decided.
   */
  readonly alongside?: (before: State, after: State) => Alongside | null;
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
  /** The value of the alongside statement (undefined without one, when nothing was appended, or on a replay). */
  readonly alongside?: unknown;
}

export const commandLimits = { maxStreamEvents: 10_000, maxAttempts: 10, defaultAttempts: 3 } as const;

interface StoredResult {
  readonly version: number;
  readonly position: string | null;
  readonly appended: readonly (Omit<AppendedEvent, 'recordedAt'> & { recordedAt: string })[];
}

function foldStream<Command, Event, State>(
  request: CommandRequest<Command, Event, State>,
  events: readonly RecordedEvent[],
  uptoVersion?: number,
) {
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

async function loadState<Command, Event, State, DB extends EventStoreTables>(
  db: Queryable<DB>,
  request: CommandRequest<Command, Event, State>,
  uptoVersion?: number,
) {
  const events = await readStream(
    db,
    request.streamId,
    { maxCount: commandLimits.maxStreamEvents, omitMetadataKeys: request.omitMetadataKeys },
    request.upcast,
  );
  return foldStream(request, events, uptoVersion);
}

/** Decides a command on a state: the events with the states around each one. */
function decideSteps<Command, Event, State>(request: CommandRequest<Command, Event, State>, state: State): DecidedStep<Event, State>[] {
  const command = typeof request.command === 'function' ? (request.command as (state: State) => Command)(state) : request.command;
  const steps: DecidedStep<Event, State>[] = [];
  let current = state;
  for (const event of request.decider.decide(command, state)) {
    const after = request.decider.evolve(current, event);
    steps.push({ event, before: current, after });
    current = after;
  }
  return steps;
}

/**
 * Load the stream, decide, append with the version that was read. A concurrent append makes the
 * append fail; the command is then decided again on the new state, a bounded number of times.
 */
export async function handleCommand<Command, Event, State, DB extends EventStoreTables & CommandTables>(
  db: Queryable<DB>,
  request: CommandRequest<Command, Event, State>,
): Promise<CommandResult<State>> {
  const maxAttempts = Math.min(request.maxAttempts ?? commandLimits.defaultAttempts, commandLimits.maxAttempts);
  const retry = request.retryOnConflict ?? request.expectedVersion === undefined;

  const attemptOnce = async (executor: Queryable<DB>, firstAttempt: boolean): Promise<StoredResult & { state: State }> => {
    const { state, version } =
      request.newStream && firstAttempt ? { state: request.decider.initialState(), version: 0 } : await loadState(executor, request);
    if (request.expectedVersion !== undefined && request.expectedVersion !== version) {
      throw new VersionMismatchError(request.streamId, request.expectedVersion, version);
    }
    const steps = decideSteps(request, state);
    if (steps.length === 0) return { state, version, position: null, appended: [] };
    const current = steps.at(-1)!.after;
    await request.beforeAppend?.();
    const extra = request.alongside?.(state, current) ?? null;
    const result = await appendToStreams(
      executor,
      [
        { streamId: request.streamId, expectedVersion: version === 0 ? 'no_stream' : version, events: request.toStoreEvents(steps) },
        ...(extra?.streams ?? []),
      ],
      { alongside: extra?.statement },
    );
    const newVersion = result.streamVersions[request.streamId] ?? version;
    if (newVersion !== version + steps.length)
      throw new Error(`stream ${request.streamId} went from ${version} to ${newVersion} with ${steps.length} events`);
    const own = result.events.filter((event) => event.streamId === request.streamId);
    alongsideResult = result.alongside;
    return {
      state: current,
      version: newVersion,
      position: own.at(-1)?.position ?? result.position,
      appended: own.map((event) => ({ ...event, recordedAt: event.recordedAt.toISOString() })),
    };
  };
  let alongsideResult: unknown;

  for (let attempt = 1; ; attempt += 1) {
    alongsideResult = undefined;
    try {
      if (!request.idempotency) {
        const outcome = await attemptOnce(db, attempt === 1);
        return finish(outcome, false);
      }
      let decidedState: State | undefined;
      const { result, replayed } = await runIdempotent<StoredResult, DB>(db, request.idempotency, async (transaction) => {
        const outcome = await attemptOnce(transaction, attempt === 1);
        decidedState = outcome.state;
        return { version: outcome.version, position: outcome.position, appended: outcome.appended };
      });
      if (!replayed && decidedState !== undefined) return finish({ ...result, state: decidedState }, false);
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
      ...(replayed || alongsideResult === undefined ? {} : { alongside: alongsideResult }),
    };
  }
}

/** A command's transition, for the writes that follow from a batch (see handleCommandBatch). */
export interface Transition<State> {
  /** Index of the request in the batch. */
  readonly index: number;
  readonly before: State;
  readonly after: State;
}

export interface CommandBatchResult<State> {
  /** One per request, in order (version and state unchanged where nothing was decided, or where its decision threw). */
  readonly results: CommandResult<State>[];
  /** With isolateDecisionErrors: what each request's decision threw (undefined where it decided). */
  readonly errors: readonly unknown[];
  readonly alongside?: unknown;
}

export interface CommandBatchOptions<State> {
  /** The writes that follow from the batch's transitions, in the append's statement. */
  readonly alongside?: (transitions: readonly Transition<State>[]) => Alongside | null;
  readonly maxAttempts?: number;
  /**
   * A request whose decision throws (an invalid command) is left out of the append and its error
   * reported in CommandBatchResult.errors, instead of failing the whole batch.
   */
  readonly isolateDecisionErrors?: boolean;
}

/**
 * Several commands on distinct streams: their states read in one query, each decided on its own,
 * and every decided event appended in one atomic multi-stream call with the batch's alongside
 * writes, so a batch costs two round trips whatever its size (one when every stream is new). A
 * concurrent append to any of the streams fails the whole call; the batch is then decided again on
 * fresh states, a bounded number of times. Requests take no idempotency key, If-Match or alongside
 * of their own; newStream skips the read of that stream on the first attempt.
 */
export async function handleCommandBatch<Command, Event, State, DB extends EventStoreTables & CommandTables>(
  db: Queryable<DB>,
  requests: readonly CommandRequest<Command, Event, State>[],
  options: CommandBatchOptions<State> = {},
): Promise<CommandBatchResult<State>> {
  for (const request of requests) {
    if (request.idempotency || request.expectedVersion !== undefined || request.alongside) {
      throw new Error(`batched command on ${request.streamId}: idempotency keys, expected versions and alongside are for single commands`);
    }
  }
  if (new Set(requests.map((request) => request.streamId)).size !== requests.length) throw new Error('a batch has one command per stream');
  const maxAttempts = Math.min(options.maxAttempts ?? commandLimits.defaultAttempts, commandLimits.maxAttempts);
  for (let attempt = 1; ; attempt += 1) {
    const toRead = requests.filter((request) => attempt > 1 || !request.newStream).map((request) => request.streamId);
    const streams =
      toRead.length > 0
        ? await readStreams(db, toRead, requests[0]?.upcast, { omitMetadataKeys: requests[0]?.omitMetadataKeys })
        : new Map<string, RecordedEvent[]>();
    const errors: unknown[] = requests.map(() => undefined);
    const decided = requests.map((request, index) => {
      const { state, version } = foldStream(request, streams.get(request.streamId) ?? []);
      let steps: DecidedStep<Event, State>[] = [];
      try {
        steps = decideSteps(request, state);
      } catch (error) {
        if (!options.isolateDecisionErrors) throw error;
        errors[index] = error;
      }
      return { request, index, state, version, steps, after: steps.at(-1)?.after ?? state };
    });
    const appending = decided.filter((entry) => entry.steps.length > 0);
    const unchanged = (entry: (typeof decided)[number]): CommandResult<State> => ({
      streamId: entry.request.streamId,
      state: entry.state,
      version: entry.version,
      position: null,
      appended: [],
      replayed: false,
    });
    if (appending.length === 0) return { results: decided.map(unchanged), errors };
    for (const { request } of appending) await request.beforeAppend?.();
    const extra = options.alongside?.(appending.map(({ index, state, after }) => ({ index, before: state, after }))) ?? null;
    let appended: Awaited<ReturnType<typeof appendToStreams>>;
    try {
      appended = await appendToStreams(
        db,
        [
          ...appending.map(({ request, version, steps }) => ({
            streamId: request.streamId,
            expectedVersion: version === 0 ? ('no_stream' as const) : version,
            events: request.toStoreEvents(steps),
          })),
          ...(extra?.streams ?? []),
        ],
        { alongside: extra?.statement },
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (attempt >= maxAttempts) throw new ConcurrencyConflictError(error.streamId, attempt);
      continue;
    }
    const results = decided.map((entry): CommandResult<State> => {
      if (entry.steps.length === 0) return unchanged(entry);
      const own = appended.events.filter((event) => event.streamId === entry.request.streamId);
      const version = appended.streamVersions[entry.request.streamId] ?? entry.version;
      if (version !== entry.version + entry.steps.length)
        throw new Error(`stream ${entry.request.streamId} went from ${entry.version} to ${version} with ${entry.steps.length} events`);
      return {
        streamId: entry.request.streamId,
        state: entry.after,
        version,
        position: own.at(-1)?.position ?? null,
        appended: own,
        replayed: false,
      };
    });
    return { results, errors, ...(appended.alongside === undefined ? {} : { alongside: appended.alongside }) };
  }
}
