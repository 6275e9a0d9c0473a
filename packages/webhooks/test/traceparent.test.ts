import { describe, expect, it } from 'vitest';
import { fallbackTraceparent, isTraceparent, traceparentOf } from '../src/index.ts';

describe('traceparent', () => {
  it('falls back to one trace per transaction, deterministically', () => {
    const first = fallbackTraceparent('txn-a', 1);
    expect(isTraceparent(first)).toBe(true);
    expect(fallbackTraceparent('txn-a', 1)).toBe(first);
    expect(fallbackTraceparent('txn-a', 2).slice(0, 35)).toBe(first.slice(0, 35));
    expect(fallbackTraceparent('txn-a', 2)).not.toBe(first);
    expect(fallbackTraceparent('txn-b', 1).slice(3, 35)).not.toBe(first.slice(3, 35));
  });

  it("carries the event's own traceparent when it is valid", () => {
    const carried = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(traceparentOf({ traceparent: carried }, 'txn-a', 1)).toBe(carried);
    expect(traceparentOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, 'txn-a', 1)).toBe(
      fallbackTraceparent('txn-a', 1),
    );
    expect(traceparentOf({}, 'txn-a', 1)).toBe(fallbackTraceparent('txn-a', 1));
    expect(traceparentOf(null, 'txn-a', 1)).toBe(fallbackTraceparent('txn-a', 1));
  });
});
