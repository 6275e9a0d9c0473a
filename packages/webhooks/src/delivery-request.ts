import type { EndpointEventType } from './event-types.ts';
import { signatureHeaderName, signWebhook } from './signature.ts';

export const deliveryUserAgent = 'TrackTrove-Webhooks/1';

/** The JSON body of a delivery (stable: documented in docs/webhooks.md and the OpenAPI document). */
export interface DeliveryBody {
  /** The event's id, `evt_<uuid>`: a duplicate delivery has the same. */
  readonly id: string;
  readonly type: EndpointEventType;
  /** Sandbox time the event happened. */
  readonly createdAt: string;
  /** The event's position in the log. */
  readonly position: string;
  readonly transactionId: string;
  /** The transaction's status before the event (null before the first). */
  readonly previousStatus: string | null;
  readonly data: { readonly transaction: unknown };
}

export interface DeliveryRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

export const eventIdOf = (uuid: string) => `evt_${uuid}`;

/** Headers of one attempt, signed now: TrackTrove-Signature over `t.body` with the endpoint's secret. */
export function buildDeliveryRequest(options: {
  readonly secret: string;
  readonly body: string;
  readonly deliveryId: string;
  readonly eventId: string;
  readonly traceparent: string;
  /** Wall-clock unix seconds: receivers check it against their own clock. */
  readonly unixSeconds: number;
}): DeliveryRequest {
  return {
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': deliveryUserAgent,
      [signatureHeaderName]: signWebhook(options.secret, options.body, options.unixSeconds),
      traceparent: options.traceparent,
      'TrackTrove-Delivery-Id': options.deliveryId,
      'TrackTrove-Event-Id': options.eventId,
    },
    body: options.body,
  };
}
