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
} from '@tracktrove/endpoints';
import type { ApplicationContext } from './application-context.ts';
import type { EndpointDeliveriesApi, WebhookEndpointsApi } from './track-trove-api.ts';

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
