import {
  buildDeliveryRequest,
  checkEndpointUrl,
  eventIdOf,
  planFaults,
  sendAttempt,
  type AttemptAgents,
  type DeliveryRequest,
} from '@tracktrove/webhooks';
import { injectedOf, planOutcomeOf, type AttemptRecord, type ClaimedDelivery } from './delivery-queue.ts';
import { deliveryTraceparent, type DeliveryRow } from './delivery-view.ts';
import type { DeliveryWriter } from './delivery-writer.ts';

/** What a delivery's event looks like to its receiver: the body (built once) and the seed its faults are drawn with. */
export interface DescribedEvent {
  readonly body: string;
  readonly seed: number | string;
}

export interface AttemptContext {
  readonly writer: DeliveryWriter;
  /** Sandbox now. */
  readonly now: () => Promise<Date>;
  readonly describeEvent: (delivery: DeliveryRow) => Promise<DescribedEvent>;
  readonly allowedHosts: readonly string[];
  readonly timeoutMs: number;
  readonly slowMs: number;
  readonly agents: AttemptAgents;
  /** Something new is due (a duplicate, a delay that may already have passed). */
  readonly wake: () => void;
  /** The process is stopping: give the lease back instead of sending. */
  readonly stopping: () => boolean;
  readonly releaseLease: (deliveryId: string) => Promise<void>;
}

export type AttemptOutcome = 'sent' | 'planned' | 'refused' | 'released';

/**
 * One claimed delivery: its faults decided the first time it is due (a drop or a delay is written
 * and nothing is sent; otherwise they are recorded with the attempt), then signed, sent and
 * recorded. An endpoint disabled or deleted since, or a URL the policy no longer allows, is an
 * attempt that fails without being sent and is not retried.
 */
export async function attemptDelivery(
  { delivery, endpoint }: ClaimedDelivery,
  context: AttemptContext,
  /** Called once the request has come back, before its record is written. */
  onSent: () => void = () => {},
): Promise<AttemptOutcome> {
  const deliveryId = delivery.delivery_id;
  let planned: AttemptRecord['planned'];
  const refuse = async (error: string): Promise<AttemptOutcome> => {
    await context.writer.attempt({
      deliveryId,
      at: await context.now(),
      request: { headers: {}, body: delivery.body ?? planned?.body ?? '' },
      status: null,
      responseBody: '',
      latencyMs: 0,
      error,
      delivered: false,
      retryable: false,
      planned,
    });
    return 'refused';
  };
  if (!endpoint) return refuse('the endpoint no longer exists');
  let body = delivery.body;
  let slow = delivery.injected?.slow ?? false;
  if (delivery.injected === null || body === null) {
    const described = await context.describeEvent(delivery);
    const plan = planFaults(
      {
        seed: described.seed,
        transactionId: delivery.transaction_id,
        endpointId: delivery.endpoint_id,
        eventKey: Number(delivery.stream_version),
      },
      endpoint.failures,
    );
    body = described.body;
    slow = plan.slow;
    if (planOutcomeOf(plan) !== 'attempt_now' || plan.duplicate) {
      const written = await context.writer.plan(delivery, plan, described.body);
      if (written.duplicateId !== null || written.outcome === 'delayed') context.wake();
      if (written.outcome !== 'attempt_now') return 'planned';
    } else {
      planned = { injected: injectedOf(plan), body: described.body };
    }
  }
  if (endpoint.deleted_at !== null) return refuse('the endpoint was deleted');
  if (!endpoint.enabled) return refuse('the endpoint is disabled');
  const verdict = checkEndpointUrl(endpoint.url, context.allowedHosts);
  if (!verdict.ok) return refuse(`not sent: ${verdict.reason}`);
  if (context.stopping()) {
    await context.releaseLease(deliveryId);
    return 'released';
  }
  const request: DeliveryRequest = buildDeliveryRequest({
    secret: endpoint.secret,
    body,
    deliveryId,
    eventId: eventIdOf(delivery.event_id),
    traceparent: deliveryTraceparent(delivery),
    unixSeconds: Math.floor(Date.now() / 1000),
  });
  const result = await sendAttempt({
    url: endpoint.url,
    ...request,
    timeoutMs: context.timeoutMs,
    agents: context.agents,
    ...(slow && delivery.attempts === 0 ? { slowMs: context.slowMs } : {}),
  });
  onSent();
  await context.writer.attempt({
    deliveryId,
    at: await context.now(),
    request,
    status: result.status,
    responseBody: result.responseBody,
    latencyMs: result.latencyMs,
    error: result.error,
    delivered: result.delivered,
    retryable: true,
    planned,
  });
  return 'sent';
}
