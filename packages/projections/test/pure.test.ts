import {
  checkLedgerInvariants,
  createLedgerChecker,
  decide,
  evolve,
  initialState,
  postingsFor,
  type LedgerEntry,
  type TransactionCommand,
} from '@tracktrove/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, diffJson, encodeCursor, InvalidCursorError } from '../src/index.ts';
import { sameJson } from '../src/verify/same-json.ts';
import { applyPatch } from './support/json-patch.ts';

// JSON has no -0: what a JSON column stores is what JSON.stringify says.
const json: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('diffJson', () => {
  it('gives an RFC 6902 patch that turns before into after', () => {
    fc.assert(
      fc.property(json, json, (before, after) => {
        expect(applyPatch(before, diffJson(before as never, after as never))).toEqual(JSON.parse(JSON.stringify(after)));
      }),
      { numRuns: 300 },
    );
  });

  it('is empty for equal documents and escapes keys', () => {
    expect(diffJson({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(diffJson({ 'a/b': 1, '~': 1 }, { 'a/b': 2 })).toEqual([
      { op: 'remove', path: '/~0' },
      { op: 'replace', path: '/a~1b', value: 2 },
    ]);
    expect(diffJson(null, { status: 'INITIATED' })).toEqual([{ op: 'replace', path: '', value: { status: 'INITIATED' } }]);
  });

  it('treats a "__proto__" key in a payload as an ordinary key', () => {
    const before = JSON.parse('{"a":{"__proto__":1}}') as never;
    const after = JSON.parse('{"a":{},"__proto__":false}') as never;
    expect(diffJson(before, after)).toEqual([
      { op: 'remove', path: '/a/__proto__' },
      { op: 'add', path: '/__proto__', value: false },
    ]);
    expect(applyPatch(before, diffJson(before, after))).toEqual(after);
  });
});

/** The reference sameJson answers like: JSON text with keys sorted at every level. */
function canonicalJson(value: unknown): string | undefined {
  return JSON.stringify(value ?? null, (_key, inner: unknown) =>
    typeof inner !== 'object' || inner === null || Array.isArray(inner)
      ? inner
      : Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  );
}

// Values as read models hold them: JSON, plus what JSON.stringify turns into JSON (Dates, undefined, NaN).
const loose: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, true, false, 0, -0, 1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '', 'a', '2026-01-01T00:00:00.000Z'),
    fc.constant(new Date('2026-01-01T00:00:00.000Z')),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c', '__proto__'), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A copy with its keys in another order, and sometimes one leaf changed. */
function reordered(value: unknown, change: boolean): unknown {
  if (Array.isArray(value)) return value.map((item, index) => reordered(item, change && index === 0));
  if (value === null || typeof value !== 'object' || value instanceof Date) return change ? (value === 1 ? 2 : 1) : value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries(entries.map(([key, inner], index) => [key, reordered(inner, change && index === 0)]));
}

describe('sameJson', () => {
  it('answers as comparing canonical JSON texts would', () => {
    fc.assert(
      fc.property(loose, loose, fc.boolean(), (a, other, change) => {
        expect(sameJson(a, other)).toBe(canonicalJson(a) === canonicalJson(other));
        const copy = reordered(a, change);
        expect(sameJson(a, copy)).toBe(canonicalJson(a) === canonicalJson(copy));
        expect(sameJson(copy, a)).toBe(sameJson(a, copy));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a Date as its ISO text, an absent property as undefined, NaN as null', () => {
    expect(sameJson({ at: new Date('2026-01-01T00:00:00.000Z') }, { at: '2026-01-01T00:00:00.000Z' })).toBe(true);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ a: Number.NaN }, { a: null })).toBe(true);
    expect(sameJson({ a: { b: [1, 2] } }, { a: { b: [2, 1] } })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJson(undefined, null)).toBe(true);
  });
});

describe('cursors', () => {
  it('round-trip and reject anything else', () => {
    expect(decodeCursor(encodeCursor(['p', 'id']), 2)).toEqual(['p', 'id']);
    expect(() => decodeCursor('!!', 1)).toThrow(InvalidCursorError);
    expect(() => decodeCursor(encodeCursor(['p']), 2)).toThrow(InvalidCursorError);
  });
  it('refuses a key part holding a NUL, and a key its query refuses', () => {
    expect(() => decodeCursor(encodeCursor(['a\u0000b']), 1)).toThrow(InvalidCursorError);
    expect(decodeCursor(encodeCursor(['7']), 1, ([part]) => /^\d+$/.test(part!))).toEqual(['7']);
    expect(() => decodeCursor(encodeCursor(['x']), 1, ([part]) => /^\d+$/.test(part!))).toThrow(InvalidCursorError);
  });
});

describe('the streaming ledger checker', () => {
  const id = '00000000-0000-4000-8000-000000000001';
  const commands: TransactionCommand[] = [
    {
      type: 'Initiate',
      transactionId: id,
      vendorId: 'v',
      payerId: 'p',
      amountMinor: 1250,
      currency: 'INR',
      channel: 'WEB',
      kind: 'TIP',
      payload: {},
      serviceContext: null,
      simulation: {
        successRate: 1,
        seed: 0,
        escrowTtlMs: 30_000,
        onHoldExpiry: 'release',
        webhook: { dropRate: 0, duplicateRate: 0, delayMs: 0 },
        dropExpiryNotification: false,
        refundFailureRate: 0,
      },
      now: '2025-03-01T10:00:00.000Z',
    },
    {
      type: 'RecordAuthorization',
      outcome: 'authorized',
      holdId: 'h',
      expiresAt: '2025-03-01T10:01:00.000Z',
      now: '2025-03-01T10:00:01.000Z',
    },
    { type: 'ConfirmPayment', now: '2025-03-01T10:00:02.000Z' },
    { type: 'Settle', batchId: 'b', settlementDate: '2025-03-02', now: '2025-03-02T10:00:00.000Z' },
  ];
  let state = initialState();
  const entries: LedgerEntry[] = [];
  for (const command of commands) {
    for (const event of decide(command, state)) {
      const next = evolve(state, event);
      entries.push(...postingsFor(state, event, next));
      state = next;
    }
  }
  const check = (list: LedgerEntry[]) => {
    const checker = createLedgerChecker();
    for (const entry of list) checker.add(entry);
    return checker.finish();
  };

  it('agrees with the domain checkLedgerInvariants, on a sound and on broken ledgers', () => {
    const broken: LedgerEntry[][] = [
      entries,
      [...entries, entries[1]!],
      entries.slice(1),
      [entries[0]!, { ...entries[1]!, amountMinor: 1 }],
      [...entries.slice(0, 3), { ...entries[3]!, debitAccount: 'escrow:INR', creditAccount: 'vendor:v:INR', amountMinor: 5000 }],
    ];
    for (const list of broken) expect(check(list)).toEqual(checkLedgerInvariants(list));
    expect(check(entries)).toEqual([]);
    expect(check(broken[1]!).length).toBeGreaterThan(0);
  });
});
