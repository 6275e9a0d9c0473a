import { describe, expect, it } from 'vitest';
import { dtoOf, type JsonValue } from '../src/index.ts';
import {
  at,
  authorize,
  confirm,
  given,
  initiate,
  openDispute,
  pathTo,
  refundFailed,
  requestRefund,
  settle,
  transactionId,
} from './fixtures.ts';

/** The system's fields of a transaction on its way through authorize (1 s), confirm (5 s) and a failed refund (200 s). */
const refundFailedView = {
  transactionId,
  status: 'COMPLETED',
  version: 5,
  amount: '12.50',
  amountMinor: 1250,
  currency: 'INR',
  vendorId: 'vendor-1',
  payerId: 'payer-1',
  channel: 'WEB',
  kind: 'TIP',
  serviceContext: 'swiggy-tips',
  attempt: 1,
  retryCount: 0,
  nextRetryAt: null,
  escrow: {
    holdId: 'hold-1',
    amountMinor: 1250,
    expiresAt: at(31),
    placedAt: at(1),
    state: 'posted',
    resolvedVia: 'webhook',
    resolvedAt: at(5),
  },
  refund: { refundId: 'refund-1', reason: 'customer asked', state: 'failed', failureReason: 'bank timeout' },
  dispute: null,
  settlement: null,
  lastError: { code: 'refund_failed', message: 'bank timeout', at: at(200) },
  createdAt: at(0),
  updatedAt: at(200),
  completedAt: at(5),
  settledAt: null,
};

describe('dtoOf, the transaction as the API and the trace show it', () => {
  it('is null before the transaction exists', () => {
    expect(dtoOf(given())).toBeNull();
  });

  it('is every system field, with the escrow hold, refund and last error as they stand', () => {
    const state = given(...pathTo.COMPLETED, requestRefund(), refundFailed());
    expect(dtoOf(state)).toEqual({ note: 'thanks', ...refundFailedView });
  });

  it('shows a settlement and a dispute, and null for what the transaction has not had', () => {
    const settled = given(initiate(), authorize(), confirm(), settle('batch-7', at(86_400)), openDispute(at(90_000)));
    expect(dtoOf(settled)).toMatchObject({
      status: 'DISPUTE_OPEN',
      settlement: { batchId: 'batch-7', settlementDate: at(86_400).slice(0, 10) },
      settledAt: at(86_400),
      dispute: { disputeId: 'dispute-1', reason: 'not received', fromStatus: 'SETTLED', outcome: null },
      refund: null,
      lastError: null,
    });
    expect(dtoOf(given(...pathTo.INITIATED))).toMatchObject({
      escrow: null,
      refund: null,
      dispute: null,
      settlement: null,
      lastError: null,
    });
  });

  it('copies nested values, so a change to the view does not reach the state', () => {
    const state = given(...pathTo.COMPLETED, requestRefund(), refundFailed());
    const view = dtoOf(state) as Record<string, Record<string, JsonValue>>;
    for (const key of ['escrow', 'refund', 'lastError'] as const) view[key]!.changed = true;
    expect(dtoOf(state)).toEqual({ note: 'thanks', ...refundFailedView });
  });

  it('merges an object payload under the system fields; keeps any other payload under `payload`', () => {
    const merged = dtoOf(given(initiate({ payload: { note: 'hi', status: 'client-said', amount: 'free' } }))) as Record<string, JsonValue>;
    expect(merged).toMatchObject({ note: 'hi', status: 'INITIATED', amount: '12.50' });
    for (const payload of ['just text', 42, [1, 2], true] as JsonValue[]) {
      const view = dtoOf(given(initiate({ payload }))) as Record<string, JsonValue>;
      expect(view.payload, JSON.stringify(payload)).toEqual(payload);
      expect(view.status).toBe('INITIATED');
    }
    const none = dtoOf(given(initiate({ payload: null }))) as Record<string, JsonValue>;
    expect(Object.keys(none).sort()).toEqual(Object.keys(refundFailedView).sort());
  });
});
