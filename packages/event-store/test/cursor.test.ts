import { describe, expect, it } from 'vitest';
import { decodeCursor, defaultPageSize, encodeCursor, InvalidCursorError, maxPageSize, pageSize } from '../src/index.ts';

const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The keyset cursors every list hands out, and the page sizes it accepts. */
describe('list cursors and page sizes', () => {
  it('give back the sort key a page ended on, whatever characters it holds', () => {
    const key = ['2026-12-07T23:00:00.000Z', 'tx-1/ä "quoted" \\ +', ''];
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 3)).toEqual(key);
  });

  it('refuse a cursor this service never handed out, as a 400 naming the cursor', () => {
    const refusals = [
      'not base64 json',
      forged({ key: 'a' }),
      forged('a'),
      forged(['a']),
      forged(['a', 'b', 'c']),
      forged(['a', 2]),
      forged(['a', null]),
      forged(['a', ['b']]),
      forged(['a', 'b\u0000']),
    ];
    for (const cursor of refusals) {
      let caught: unknown;
      try {
        decodeCursor(cursor, 2);
      } catch (error) {
        caught = error;
      }
      expect(caught, cursor).toBeInstanceOf(InvalidCursorError);
      expect((caught as InvalidCursorError).code).toBe('validation_failed');
      expect((caught as InvalidCursorError).errors).toEqual([{ path: 'cursor', message: 'not a cursor from a previous page' }]);
      expect((caught as Error).message).toBe('cursor: not a cursor from a previous page');
      expect((caught as Error).name).toBe('InvalidCursorError');
    }
  });

  it("refuse a well-formed key the list's own check turns down, and take one it accepts", () => {
    const cursor = encodeCursor(['2026-12-07', 'x']);
    const isDateKey = (key: string[]) => /^\d{4}-\d{2}-\d{2}$/.test(key[0]!);
    expect(decodeCursor(cursor, 2, isDateKey)).toEqual(['2026-12-07', 'x']);
    expect(() => decodeCursor(encodeCursor(['yesterday', 'x']), 2, isDateKey)).toThrow(InvalidCursorError);
  });

  it('take a page size of 1 to 500, 50 when none or no number is given, and clamp the rest', () => {
    expect(defaultPageSize).toBe(50);
    expect(maxPageSize).toBe(500);
    expect(pageSize(undefined)).toBe(50);
    expect(pageSize(Number.NaN)).toBe(50);
    expect(pageSize(Number.POSITIVE_INFINITY)).toBe(50);
    expect(pageSize(Number.NEGATIVE_INFINITY)).toBe(50);
    expect(pageSize(1)).toBe(1);
    expect(pageSize(500)).toBe(500);
    expect(pageSize(501)).toBe(500);
    expect(pageSize(0)).toBe(1);
    expect(pageSize(-3)).toBe(1);
    expect(pageSize(7.9)).toBe(7);
    expect(pageSize(1.5)).toBe(1);
  });
});
