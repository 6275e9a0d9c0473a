/** If-Match named a version the stream has moved past (or not reached). */
export class VersionMismatchError extends Error {
  readonly code = 'version_mismatch';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(`stream ${streamId} is at version ${actualVersion}, not ${expectedVersion}`);
    this.name = 'VersionMismatchError';
  }
}

/** Concurrent writers kept moving the stream and the command ran out of attempts. */
export class ConcurrencyConflictError extends Error {
  readonly code = 'concurrency_conflict';
  constructor(
    readonly streamId: string,
    readonly attempts: number,
  ) {
    super(`stream ${streamId} kept changing under the command (${attempts} attempts); try again`);
    this.name = 'ConcurrencyConflictError';
  }
}

/** The idempotency key was used before for another request. */
export class IdempotencyKeyReusedError extends Error {
  readonly code = 'idempotency_key_reused';
  constructor(readonly key: string) {
    super(`idempotency key ${key} was used for another request`);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A stream is longer than a command may load. */
export class StreamTooLongError extends Error {
  readonly code = 'stream_too_long';
  constructor(
    readonly streamId: string,
    readonly limit: number,
  ) {
    super(`stream ${streamId} has more than ${limit} events`);
    this.name = 'StreamTooLongError';
  }
}
