import { apiRequest } from './api-request.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type { Page, WebhookDelivery, WebhookDeliveryAttempt } from './types.ts';

const base = '/api/webhooks/deliveries';
/** Deliveries per request; the API's list bound. */
const deliveryPageSize = 100;
/** Pages read for one transaction: far beyond any ordinary transaction's deliveries. */
const maxDeliveryPages = 20;

/** Every delivery attempt log of one transaction, page after page, following nextCursor. */
export async function listTransactionDeliveries(
  transactionId: string,
  minPosition?: string,
  signal?: AbortSignal,
): Promise<WebhookDelivery[]> {
  const deliveries: WebhookDelivery[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < maxDeliveryPages; pages += 1) {
    const page: Page<WebhookDelivery> = await apiRequest<Page<WebhookDelivery>>(base, {
      query: { transactionId, limit: deliveryPageSize, cursor, minPosition },
      signal,
    });
    deliveries.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return deliveries;
  }
  throw new Error(
    `transaction ${transactionId} has more than ${deliveryPageSize * maxDeliveryPages} webhook deliveries, more than the viewer reads`,
  );
}

/** Sends the delivery's webhook again now; answers the new attempt. */
export function redeliverWebhook(deliveryId: string): Promise<WebhookDeliveryAttempt> {
  return apiRequest<WebhookDeliveryAttempt>(`${base}/${encodeURIComponent(deliveryId)}/redeliver`, {
    method: 'POST',
    body: {},
    idempotencyKey: newIdempotencyKey(),
  });
}
