import { defaultSimulation, initialState, type TransactionState } from '@tracktrove/domain';
import { describe, expect, it } from 'vitest';
import { authorize, seededRandom, signWebhook, verifyWebhookSignature, WebhookSignatureError } from '../src/index.ts';

const state = (amountMinor: number, successRate = 0.5, seed = 42): TransactionState => ({
  ...initialState(),
  transactionId: '00000000-0000-4000-8000-000000000001',
  amountMinor,
  simulation: { ...defaultSimulation, successRate, seed },
});
const now = new Date('2026-01-01T00:00:00.000Z');

describe('gateway', () => {
  it('is deterministic for the same seed, transaction and attempt', () => {
    const runs = [1, 2].map(() =>
      Array.from({ length: 20 }, (_, attempt) => authorize({ state: state(1234), attempt: attempt + 1, now }).outcome),
    );
    expect(runs[0]).toEqual(runs[1]);
    expect(new Set(runs[0])).toEqual(new Set(['authorized', 'declined']));
    const other = Array.from({ length: 20 }, (_, attempt) => authorize({ state: state(1234, 0.5, 43), attempt: attempt + 1, now }).outcome);
    expect(other).not.toEqual(runs[0]);
  });
  it('honours magic amounts over the success rate', () => {
    expect(authorize({ state: state(101, 0), attempt: 1, now })).toMatchObject({ outcome: 'authorized', forcedBy: 'magic_amount' });
    expect(authorize({ state: state(404, 1), attempt: 3, now })).toMatchObject({ outcome: 'declined', code: 'insufficient_funds' });
    expect(authorize({ state: state(500, 1), attempt: 1, now })).toMatchObject({ outcome: 'declined', code: 'do_not_honor' });
    expect(authorize({ state: state(402, 1), attempt: 1, now })).toMatchObject({ outcome: 'declined' });
    expect(authorize({ state: state(402, 0), attempt: 2, now })).toMatchObject({ outcome: 'authorized' });
  });
  it('expires the hold escrowTtlMs after sandbox now', () => {
    const decision = authorize({ state: state(101), attempt: 1, now, latencyMs: 250 });
    expect(decision).toMatchObject({ expiresAt: '2026-01-01T00:00:30.000Z' });
    expect(decision.durationMs).toBeGreaterThanOrEqual(250);
  });
  it('seeded random is in [0, 1) and repeatable', () => {
    const a = seededRandom(1, 'x');
    const b = seededRandom(1, 'x');
    for (let i = 0; i < 100; i += 1) {
      const value = a();
      expect(value).toBe(b());
      expect(value >= 0 && value < 1).toBe(true);
    }
  });
});

describe('webhook signatures', () => {
  const body = '{"id":"evt_1"}';
  it('verifies what it signs, within the tolerance', () => {
    const header = signWebhook('s', body, 1_000_000);
    expect(verifyWebhookSignature('s', body, header, 1_000_100)).toBe(1_000_000);
  });
  it.each([
    ['missing', undefined, 1_000_000],
    ['malformed', 'v1=abc', 1_000_000],
    ['malformed', 't=1,v1=zz', 1_000_000],
    ['stale', signWebhook('s', body, 1_000_000), 1_000_301],
    ['mismatch', signWebhook('other', body, 1_000_000), 1_000_000],
  ] as const)('rejects %s', (problem, header, nowSeconds) => {
    try {
      verifyWebhookSignature('s', body, header, nowSeconds);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookSignatureError);
      expect(error).toMatchObject({ problem, code: 'validation_failed' });
    }
  });
});
