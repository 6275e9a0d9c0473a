import { randomUUID } from 'node:crypto';

/**
 * A valid `POST /api/transactions` body: a fresh vendor, INR 12.50, always authorised, its
 * confirmation webhook after `webhookDelayMs` with no drop or duplicate injected.
 */
export function initiateRequestBody(webhookDelayMs: number): Record<string, unknown> {
  return {
    vendorId: randomUUID(),
    amount: '12.50',
    channel: 'WEB',
    kind: 'TIP',
    payload: {},
    simulation: { successRate: 1, webhook: { delayMs: webhookDelayMs, dropRate: 0, duplicateRate: 0 } },
  };
}
