import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  decodePosition,
  encodePosition,
  InvalidPositionError,
  isPosition,
  startOfLog,
  type LogPosition,
} from '../src/index.ts';
import { encodePositionFromText } from '../src/position.ts';

/** xid8 and bigint values as PostgreSQL sends them: any 64-bit unsigned value, small ones and 2^53 and up alike. */
const unsigned64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fc.bigInt({ min: 0n, max: 2n ** 20n }),
  fc.bigInt({ min: 2n ** 49n, max: 2n ** 54n }),
  fc.constantFrom(0n, 1n, 10n ** 15n - 1n, 10n ** 15n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 64n - 1n),
);
const position = fc.record({ txId: unsigned64, seq: unsigned64 });

describe('log positions', () => {
  it('encode the same from the decimal text PostgreSQL sends as from the numbers, and decode back', () => {
    fc.assert(
      fc.property(position, (p) => {
        const encoded = encodePositionFromText(p.txId.toString(), p.seq.toString());
        expect(encoded).toBe(encodePosition(p));
        expect(isPosition(encoded)).toBe(true);
        expect(decodePosition(encoded)).toEqual(p);
      }),
      { numRuns: 2_000 },
    );
  });

  it('order as strings exactly as comparePositions orders them: by transaction, then sequence', () => {
    const sign = (n: number) => Math.sign(n);
    fc.assert(
      fc.property(position, position, (a, b) => {
        const byStrings = encodePosition(a) < encodePosition(b) ? -1 : encodePosition(a) > encodePosition(b) ? 1 : 0;
        const expected = a.txId !== b.txId ? (a.txId < b.txId ? -1 : 1) : a.seq !== b.seq ? (a.seq < b.seq ? -1 : 1) : 0;
        expect(sign(comparePositions(a, b))).toBe(expected);
        expect(byStrings).toBe(expected);
      }),
      { numRuns: 2_000 },
    );
    const p = (txId: bigint, seq: bigint): LogPosition => ({ txId, seq });
    expect(comparePositions(p(1n, 9n), p(2n, 1n))).toBe(-1);
    expect(comparePositions(p(2n, 1n), p(1n, 9n))).toBe(1);
    expect(comparePositions(p(2n, 1n), p(2n, 3n))).toBe(-1);
    expect(comparePositions(p(2n, 3n), p(2n, 1n))).toBe(1);
    expect(comparePositions(p(2n, 3n), p(2n, 3n))).toBe(0);
  });

  it("reads 'start' as the start of the log, and refuses anything else that is not a position", () => {
    expect(decodePosition('start')).toEqual(startOfLog);
    expect(encodePosition(startOfLog)).toBe('0000000000000000-0000000000000000');
    for (const value of [
      '',
      'START',
      '0-0',
      '0000000000000000-000000000000000g',
      '0000000000000000-0000000000000000 ',
      `${'0'.repeat(200)}`,
    ]) {
      let thrown: unknown;
      try {
        decodePosition(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, value).toBeInstanceOf(InvalidPositionError);
      expect(thrown).toMatchObject({ name: 'InvalidPositionError', code: 'invalid_position', value });
      // The message quotes at most 80 characters of what it was given.
      expect((thrown as Error).message).toBe(`not a log position: ${JSON.stringify(value.slice(0, 80))}`);
    }
  });
});
