import { describe, expect, it } from 'vitest';
import { backoffDelayMs, uuidV5 } from '@tracktrove/common';
import { advanceTarget } from '../src/index.ts';

describe('timers units', () => {
  it('backoff grows exponentially with equal jitter, capped', () => {
    expect(backoffDelayMs({ attempt: 1, baseDelayMs: 1000, maxDelayMs: 60_000, random: 0 })).toBe(500);
    expect(backoffDelayMs({ attempt: 3, baseDelayMs: 1000, maxDelayMs: 60_000, random: 0.999 })).toBeLessThanOrEqual(4000);
    expect(backoffDelayMs({ attempt: 30, baseDelayMs: 1000, maxDelayMs: 60_000, random: 0.5 })).toBe(45_000);
  });
  it('uuid v5 is deterministic and well formed (RFC 9562 test vector)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
  it('the clock only moves forward, at most 366 days per advance', () => {
    expect(advanceTarget(1000, { ms: 500 })).toBe(1500);
    expect(() => advanceTarget(1000, { to: new Date(500) })).toThrow(/backwards/);
    expect(() => advanceTarget(0, { ms: 367 * 86_400_000 })).toThrow(/366/);
    expect(() => advanceTarget(0, { ms: -1 })).toThrow();
  });
});
