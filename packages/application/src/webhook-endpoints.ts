import { randomUUID } from 'node:crypto';
import type { Actor } from '@tracktrove/domain';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  getEndpointDelivery,
  listEndpointDeliveries,
  listEndpoints,
  redeliver,
  redeliverFailedSince,
  rotateEndpointSecret,
  updateEndpoint,
  type DeliveryFilter,
  type EndpointChanges,
  type EndpointDeliveryView,
  type EndpointView,
  type NewEndpoint,
} from '@tracktrove/endpoints';
import type { Page } from '@tracktrove/event-store';
import type { ApplicationContext } from './application-context.ts';

/** A developer's webhook endpoints: changes are events (endpoint-<id>) with who made them. */
export interface WebhookEndpointsApi {
  list(): Promise<EndpointView[]>;
  get(endpointId: string): Promise<EndpointView>;
  /** The secret is in this answer only. */
  create(input: NewEndpoint, actor: Actor): Promise<EndpointView & { secret: string }>;
  update(endpointId: string, changes: EndpointChanges, actor: Actor): Promise<EndpointView>;
  delete(endpointId: string, actor: Actor): Promise<void>;
  rotateSecret(endpointId: string, actor: Actor): Promise<{ secret: string }>;
  /** One more attempt of every failed delivery of the endpoint created since `since`; answers how many. */
  redeliverFailed(endpointId: string, since: string): Promise<number>;
}

/** The endpoints' delivery log, and redelivery of one. */
export interface EndpointDeliveriesApi {
  list(filter?: DeliveryFilter): Promise<Page<EndpointDeliveryView>>;
  get(deliveryId: string): Promise<EndpointDeliveryView>;
  /** One more attempt, due now (202: it runs after the answer). */
  redeliver(deliveryId: string): Promise<EndpointDeliveryView>;
}

export function webhookEndpoints(
  context: ApplicationContext,
  options: { readonly allowedHosts: readonly string[]; readonly wake: () => void },
): { webhookEndpoints: WebhookEndpointsApi; endpointDeliveries: EndpointDeliveriesApi } {
  const { db, clock } = context;
  const changeContext = async (actor: Actor) => ({
    actor,
    correlationId: randomUUID(),
    now: await clock.now(),
    allowedHosts: options.allowedHosts,
  });
  const woken = <T>(result: T): T => {
    options.wake();
    return result;
  };
  return {
    webhookEndpoints: {
      list: () => listEndpoints(db),
      get: (endpointId) => getEndpoint(db, endpointId),
      // A new or re-enabled endpoint ends the dispatcher's idling (it no longer waits on appends without one).
      create: async (input, actor) => woken(await createEndpoint(db, input, await changeContext(actor))),
      update: async (endpointId, changes, actor) => woken(await updateEndpoint(db, endpointId, changes, await changeContext(actor))),
      delete: async (endpointId, actor) => deleteEndpoint(db, endpointId, await changeContext(actor)),
      rotateSecret: async (endpointId, actor) => rotateEndpointSecret(db, endpointId, await changeContext(actor)),
      async redeliverFailed(endpointId, since) {
        await getEndpoint(db, endpointId);
        const count = await redeliverFailedSince(db, endpointId, since, await clock.now());
        if (count > 0) options.wake();
        return count;
      },
    },
    endpointDeliveries: {
      list: (filter) => listEndpointDeliveries(db, filter),
      get: (deliveryId) => getEndpointDelivery(db, deliveryId),
      async redeliver(deliveryId) {
        await redeliver(db, deliveryId, await clock.now());
        options.wake();
        return getEndpointDelivery(db, deliveryId);
      },
    },
  };
}
