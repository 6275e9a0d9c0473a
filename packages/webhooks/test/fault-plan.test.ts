import { describe, expect, it } from 'vitest';
import { duplicateGapMs, noFailures, planFaults, reorderSpanMs, type EndpointFailures } from '../src/index.ts';

const keyOf = (index: number) => ({ seed: 42, transactionId: `txn-${index}`, endpointId: 'ep-1', eventKey: 1 });
const plans = (failures: EndpointFailures, count = 4000) => Array.from({ length: count }, (_, index) => planFaults(keyOf(index), failures));
const share = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;

describe('planFaults', () => {
  it('injects nothing without failures', () => {
    for (const plan of plans(noFailures, 200)) {
      expect(plan).toEqual({ dropped: false, duplicate: false, delayMs: 0, reordered: false, duplicateDelayMs: 0, slow: false });
    }
  });

  it('replays the same faults for the same seed, transaction, endpoint and event', () => {
    const failures = { ...noFailures, dropRate: 0.5, duplicateRate: 0.5, slowRate: 0.5, reorder: true, delayMs: 300 };
    expect(plans(failures, 300)).toEqual(plans(failures, 300));
    const other = Array.from({ length: 300 }, (_, index) => planFaults({ ...keyOf(index), seed: 43 }, failures));
    expect(other).not.toEqual(plans(failures, 300));
    const otherEndpoint = Array.from({ length: 300 }, (_, index) => planFaults({ ...keyOf(index), endpointId: 'ep-2' }, failures));
    expect(otherEndpoint).not.toEqual(plans(failures, 300));
  });

  it('drops, duplicates and slows at the configured rates', () => {
    const drawn = plans({ ...noFailures, dropRate: 0.2, duplicateRate: 0.3, slowRate: 0.1 });
    expect(share(drawn.map((plan) => plan.dropped))).toBeCloseTo(0.2, 1);
    expect(share(drawn.map((plan) => plan.duplicate))).toBeCloseTo(0.3, 1);
    expect(share(drawn.map((plan) => plan.slow))).toBeCloseTo(0.1, 1);
  });

  it('rates of 0 and 1 are exact', () => {
    expect(plans({ ...noFailures, dropRate: 1 }, 300).every((plan) => plan.dropped)).toBe(true);
    expect(
      plans({ ...noFailures, duplicateRate: 1 }, 300).every((plan) => plan.duplicate && plan.duplicateDelayMs === duplicateGapMs),
    ).toBe(true);
  });

  it('delays by the endpoint delay, plus a reorder delay within its span', () => {
    expect(plans({ ...noFailures, delayMs: 5000 }, 50).every((plan) => plan.delayMs === 5000 && !plan.reordered)).toBe(true);
    const reordered = plans({ ...noFailures, delayMs: 1000, reorder: true }, 500);
    const extras = reordered.map((plan) => plan.delayMs - 1000);
    expect(extras.every((extra) => extra >= 0 && extra < reorderSpanMs(1000))).toBe(true);
    expect(new Set(extras).size).toBeGreaterThan(100);
    expect(reordered.every((plan) => plan.reordered)).toBe(true);
  });

  it('adding one rate leaves the other rolls as they were', () => {
    const dropsAlone = plans({ ...noFailures, dropRate: 0.3 }, 500).map((plan) => plan.dropped);
    const dropsWithSlow = plans({ ...noFailures, dropRate: 0.3, slowRate: 0.5 }, 500).map((plan) => plan.dropped);
    expect(dropsWithSlow).toEqual(dropsAlone);
  });
});
