import { endpointEventTypes as webhookEventTypes } from '@tracktrove/webhooks/event-types';
import { apiRequest } from './api-request.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type {
  CreatedWebhookEndpoint,
  EndpointDelivery,
  EndpointEventType,
  Page,
  WebhookEndpoint,
  WebhookEndpointChange,
  WebhookEndpointInput,
} from './types.ts';

const endpoints = '/api/webhook-endpoints';
const deliveries = '/api/endpoint-deliveries';

/**
 * The event types an endpoint can select, in the contract's order: the list the API's schema is
 * made from. The compiler checks it against the OpenAPI document's: a type missing there, or one
 * the document does not have, fails the build.
 */
export const endpointEventTypes = webhookEventTypes satisfies readonly EndpointEventType[];
type Missing = Exclude<EndpointEventType, (typeof endpointEventTypes)[number]>;
const everyTypeListed: [Missing] extends [never] ? true : Missing = true;
void everyTypeListed;

export async function listWebhookEndpoints(signal?: AbortSignal): Promise<WebhookEndpoint[]> {
  return (await apiRequest<{ items: WebhookEndpoint[] }>(endpoints, { signal })).items;
}

export function createWebhookEndpoint(input: WebhookEndpointInput): Promise<CreatedWebhookEndpoint> {
  return apiRequest<CreatedWebhookEndpoint>(endpoints, { method: 'POST', body: input });
}

export function updateWebhookEndpoint(id: string, change: WebhookEndpointChange): Promise<WebhookEndpoint> {
  return apiRequest<WebhookEndpoint>(`${endpoints}/${encodeURIComponent(id)}`, { method: 'PATCH', body: change });
}

export async function deleteWebhookEndpoint(id: string): Promise<void> {
  await apiRequest<unknown>(`${endpoints}/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** A new secret; the old one stops verifying at once. */
export function rotateWebhookEndpointSecret(id: string): Promise<{ secret: string }> {
  return apiRequest<{ secret: string }>(`${endpoints}/${encodeURIComponent(id)}/rotate-secret`, { method: 'POST', body: {} });
}

/** Deliveries per request, and pages read for one transaction (far beyond an ordinary transaction's). */
const deliveryPageSize = 100;
const maxDeliveryPages = 20;

/** Every endpoint delivery of one transaction, newest first. */
export async function listTransactionEndpointDeliveries(transactionId: string, signal?: AbortSignal): Promise<EndpointDelivery[]> {
  const items: EndpointDelivery[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < maxDeliveryPages; pages += 1) {
    const page: Page<EndpointDelivery> = await apiRequest<Page<EndpointDelivery>>(deliveries, {
      query: { transactionId, limit: deliveryPageSize, cursor },
      signal,
    });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return items;
  }
  return items;
}

/** Sends the delivery again now (a new attempt of the same delivery). */
export function redeliverEndpointDelivery(id: string): Promise<EndpointDelivery> {
  return apiRequest<EndpointDelivery>(`${deliveries}/${encodeURIComponent(id)}/redeliver`, {
    method: 'POST',
    body: {},
    idempotencyKey: newIdempotencyKey(),
  });
}
