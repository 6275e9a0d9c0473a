import { describe, expect, it } from 'vitest';
import { settlementBatchId, settlementCutoff, settlementDateOf } from '../src/index.ts';

describe('settlement dates', () => {
  it('a batch id is the same in every process for the same vendor, currency, date and sequence', () => {
    expect(settlementBatchId('v', 'INR', '2026-01-02', 0)).toBe(settlementBatchId('v', 'INR', '2026-01-02', 0));
    expect(settlementBatchId('v', 'INR', '2026-01-02', 1)).not.toBe(settlementBatchId('v', 'INR', '2026-01-02', 0));
    expect(settlementCutoff('2026-01-02').toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(settlementDateOf(new Date('2026-01-02T23:59:59.999Z'))).toBe('2026-01-02');
  });
  it('the settlement cut-off hour: completed on day T before it settles on T+1, after it on T+2', () => {
    expect(settlementCutoff('2026-01-02', 0).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(settlementCutoff('2026-01-02', 18).toISOString()).toBe('2026-01-01T18:00:00.000Z');
    expect(settlementCutoff('2026-03-01', 1).toISOString()).toBe('2026-02-28T01:00:00.000Z');
    expect(() => settlementCutoff('2026-01-02', 24)).toThrow(RangeError);
  });
});
