/**
 * Typed domain errors. Each carries a stable machine `code` that the API maps
 * to problem+json (validation_failed -> 400, invalid_transition -> 409,
 * forbidden -> 403, invariant_violation -> logged 500 plus alarm).
 */

export type FieldError = { path: string; message: string };

export class ValidationError extends Error {
  readonly code = 'validation_failed' as const;
  readonly errors: FieldError[];

  constructor(errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join('; '));
    this.name = 'ValidationError';
    this.errors = errors;
  }
}

export class InvalidTransitionError extends Error {
  readonly code = 'invalid_transition' as const;
  /** Status the transaction was in. */
  readonly from: string;
  /** Status the command would have led to, when there is one. */
  readonly to: string | null;
  /** The rejected command's type. */
  readonly command: string;
  readonly reason: string;

  constructor(args: { from: string; to: string | null; command: string; reason: string }) {
    super(`${args.command} rejected in ${args.from}${args.to ? ` (-> ${args.to})` : ''}: ${args.reason}`);
    this.name = 'InvalidTransitionError';
    this.from = args.from;
    this.to = args.to;
    this.command = args.command;
    this.reason = args.reason;
  }
}

export class ForbiddenError extends Error {
  readonly code = 'forbidden' as const;

  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}

/** A broken invariant: a bug or corrupted data, never bad user input. */
export class InvariantViolation extends Error {
  readonly code = 'invariant_violation' as const;
  /** Short stable name of the invariant, e.g. `pending_resolves_once`. */
  readonly invariant: string;

  constructor(invariant: string, message: string) {
    super(`${invariant}: ${message}`);
    this.name = 'InvariantViolation';
    this.invariant = invariant;
  }
}

export type DomainError = ValidationError | InvalidTransitionError | ForbiddenError | InvariantViolation;

export function isDomainError(error: unknown): error is DomainError {
  return (
    error instanceof ValidationError ||
    error instanceof InvalidTransitionError ||
    error instanceof ForbiddenError ||
    error instanceof InvariantViolation
  );
}

/** Loud assertion: throws InvariantViolation when `condition` is false. */
export function assert(condition: boolean, invariant: string, message: string): asserts condition {
  if (!condition) throw new InvariantViolation(invariant, message);
}
