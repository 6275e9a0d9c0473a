import type { ExpectedVersion } from './types.ts';

/** The stream was not at the version the caller expected. */
export class WrongExpectedVersionError extends Error {
  readonly code = 'wrong_expected_version';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | null,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, actual ${actual === null ? 'no stream' : actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** Some event ids of an append are already stored with other content (or only some of them are). */
export class EventIdConflictError extends Error {
  readonly code = 'event_id_conflict';
  constructor(readonly eventIds: readonly string[]) {
    super(`event ids already stored with other content: ${eventIds.join(', ')}`);
    this.name = 'EventIdConflictError';
  }
}

/** A call broke one of the store's limits or rules (empty append, too many events, ...). */
export class InvalidAppendError extends Error {
  readonly code = 'invalid_append';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}
