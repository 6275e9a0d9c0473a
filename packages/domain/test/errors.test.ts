import { describe, expect, it } from 'vitest';
import {
  assertInvariant,
  ForbiddenError,
  InvalidTransitionError,
  InvariantViolation,
  isDomainError,
  isJsonObject,
  isTerminal,
  terminalStatuses,
  transactionStatuses,
  ValidationError,
  type JsonValue,
} from '../src/index.ts';

/** The API logs and answers with these: their name, code and message are what an operator reads. */
describe('domain errors', () => {
  it('a ValidationError lists every field with its message', () => {
    const error = new ValidationError([
      { path: 'amount', message: 'must be positive' },
      { path: 'currency', message: 'must be one of INR' },
    ]);
    expect(error).toMatchObject({
      name: 'ValidationError',
      code: 'validation_failed',
      message: 'amount: must be positive; currency: must be one of INR',
    });
    expect(error.errors).toHaveLength(2);
  });

  it('an InvalidTransitionError says the command, the status, the target when there is one, and why', () => {
    const withTarget = new InvalidTransitionError({ from: 'ESCROW', to: 'SETTLED', command: 'Settle', reason: 'not completed' });
    expect(withTarget).toMatchObject({ name: 'InvalidTransitionError', code: 'invalid_transition', to: 'SETTLED' });
    expect(withTarget.message).toBe('Settle rejected in ESCROW (-> SETTLED): not completed');
    const without = new InvalidTransitionError({ from: 'COMPLETED', to: null, command: 'RequestRefund', reason: 'refund pending' });
    expect(without.message).toBe('RequestRefund rejected in COMPLETED: refund pending');
  });

  it('a ForbiddenError and an InvariantViolation carry their name and code; the violation names its invariant first', () => {
    expect(new ForbiddenError('admins only')).toMatchObject({ name: 'ForbiddenError', code: 'forbidden', message: 'admins only' });
    const violation = new InvariantViolation('escrow_not_negative', 'escrow -5');
    expect(violation).toMatchObject({ name: 'InvariantViolation', code: 'invariant_violation', invariant: 'escrow_not_negative' });
    expect(violation.message).toBe('escrow_not_negative: escrow -5');
  });

  it('isDomainError knows the four domain errors and nothing else', () => {
    const domain = [
      new ValidationError([]),
      new InvalidTransitionError({ from: 'NEW', to: null, command: 'Settle', reason: 'x' }),
      new ForbiddenError('x'),
      new InvariantViolation('x', 'y'),
    ];
    for (const error of domain) expect(isDomainError(error), error.name).toBe(true);
    for (const other of [new Error('x'), new TypeError('x'), { code: 'validation_failed' }, 'validation_failed', null, undefined]) {
      expect(isDomainError(other), String(other)).toBe(false);
    }
  });

  it('assertInvariant throws the named violation when the condition is false, and nothing when it is true', () => {
    expect(() => assertInvariant(true, 'never', 'fine')).not.toThrow();
    expect(() => assertInvariant(false, 'pending_resolves_once', 'twice')).toThrow(
      new InvariantViolation('pending_resolves_once', 'twice'),
    );
    expect(() => assertInvariant(false, 'pending_resolves_once', 'twice')).toThrow('pending_resolves_once: twice');
  });
});

describe('values', () => {
  it('isJsonObject is true for objects alone: not arrays, null or scalars', () => {
    for (const value of [{}, { a: 1 }] as JsonValue[]) expect(isJsonObject(value)).toBe(true);
    for (const value of [[], [1], null, 'x', 0, true] as JsonValue[]) expect(isJsonObject(value), JSON.stringify(value)).toBe(false);
  });

  it('isTerminal is true for PERMANENTLY_FAILED, REFUNDED and DISPUTE_RESOLVED alone', () => {
    expect([...terminalStatuses].sort()).toEqual(['DISPUTE_RESOLVED', 'PERMANENTLY_FAILED', 'REFUNDED']);
    for (const status of transactionStatuses) expect(isTerminal(status), status).toBe(terminalStatuses.includes(status));
    expect(isTerminal('NEW')).toBe(false);
  });
});
