import { deliveryBodyOf } from '@tracktrove/application';
import { uuidV5 } from '@tracktrove/common';
import type { RecordedEvent } from '@tracktrove/event-store';
import {
  attemptLimits,
  buildDeliveryRequest,
  endpointWants,
  nextAttemptDelayMs,
  planFaults,
  sendAttempt,
  traceparentOf,
  type AttemptResult,
  type EndpointEventType,
  type EndpointFailures,
} from '@tracktrove/webhooks';

export const forwarderLimits = {
  /** Requests to the developer's service at once. */
  maxConcurrentSends: 8,
  timeoutMs: attemptLimits.defaultTimeoutMs,
} as const;

/** What the listener is asked to do with each event. */
export interface ForwardOptions {
  readonly forwardTo: string;
  readonly secret: string;
  /** Empty: every type. */
  readonly events: readonly EndpointEventType[];
  readonly failures: EndpointFailures;
  readonly seed: number;
  readonly maxAttempts: number;
  /** Stops waiting deliveries (a stop leaves them unhandled, to be sent again on resume). */
  readonly signal: AbortSignal;
  /** One line per attempt (and per dropped delivery). */
  readonly print: (line: string) => void;
}

/** The fault plan's name for the listener, in place of an endpoint id. */
const listenerKey = 'listen';

/** One delivery: an event's webhook, or its injected duplicate. */
interface Delivery {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly type: EndpointEventType;
  readonly transactionId: string;
  readonly body: string;
  readonly traceparent: string;
  readonly delayMs: number;
  readonly slow: boolean;
  readonly duplicate: boolean;
}

/**
 * The deliveries of the events the stream shows, as `tracktrove listen` makes them: the selected
 * types only, faults planned from the seed (the same seed and events give the same drops,
 * duplicates, delays and slow bodies), attempts retried with backoff on the wall clock up to
 * maxAttempts. Each event's deliveries settle (delivered, failed, dropped; or stopped) before the
 * promise `forward` answers resolves.
 */
export function createForwarder(options: ForwardOptions) {
  let sending = 0;
  const waitingToSend: (() => void)[] = [];

  async function withSendSlot<T>(send: () => Promise<T>): Promise<T> {
    if (sending >= forwarderLimits.maxConcurrentSends) await new Promise<void>((resolve) => waitingToSend.push(resolve));
    sending += 1;
    try {
      return await send();
    } finally {
      sending -= 1;
      waitingToSend.shift()?.();
    }
  }

  /** Waits, unless stopped first: answers false when stopped. */
  function pause(ms: number): Promise<boolean> {
    if (options.signal.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        options.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      options.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Attempts until delivered, failed, or stopped: true when it ended (false when a stop cut it short). */
  async function deliver(delivery: Delivery): Promise<boolean> {
    if (!(await pause(delivery.delayMs))) return false;
    for (let attempt = 1; ; attempt += 1) {
      if (options.signal.aborted) return false;
      const request = buildDeliveryRequest({
        secret: options.secret,
        body: delivery.body,
        deliveryId: delivery.deliveryId,
        eventId: delivery.eventId,
        traceparent: delivery.traceparent,
        unixSeconds: Math.floor(Date.now() / 1000),
      });
      const result = await withSendSlot(() =>
        sendAttempt({
          url: options.forwardTo,
          headers: request.headers,
          body: request.body,
          timeoutMs: forwarderLimits.timeoutMs,
          slowMs: delivery.slow ? attemptLimits.defaultSlowMs : undefined,
        }),
      );
      const nextMs = result.delivered
        ? null
        : nextAttemptDelayMs({ deliveryId: delivery.deliveryId, attempt, maxAttempts: options.maxAttempts });
      options.print(attemptLine(delivery, attempt, options.maxAttempts, result, nextMs));
      if (nextMs === null) return true;
      if (!(await pause(nextMs))) return false;
    }
  }

  return {
    /**
     * The event's deliveries (none when its type is not selected): resolves once they ended, with
     * true, or with false when a stop left one of them unfinished.
     */
    async forward(event: RecordedEvent, history: readonly RecordedEvent[]): Promise<boolean> {
      // The body the server's endpoint deliveries send (the same id, evt_<eventId>), folded from the transaction's events.
      const described = deliveryBodyOf(history);
      if (described === null || !endpointWants(options.events, described.body.type)) return true;
      const { body } = described;
      const eventKey = `${event.streamId}|${event.version}`;
      const plan = planFaults(
        { seed: options.seed, transactionId: body.transactionId, endpointId: listenerKey, eventKey: event.version },
        options.failures,
      );
      const base = {
        eventId: body.id,
        type: body.type,
        transactionId: body.transactionId,
        body: JSON.stringify(body),
        traceparent: traceparentOf(event.metadata, body.transactionId, event.version),
        slow: plan.slow,
      };
      const deliveries: Delivery[] = [
        { ...base, deliveryId: uuidV5(`listen|${options.seed}|${eventKey}`), delayMs: plan.delayMs, duplicate: false },
      ];
      if (plan.duplicate)
        deliveries.push({
          ...base,
          deliveryId: uuidV5(`listen|${options.seed}|${eventKey}|duplicate`),
          delayMs: plan.duplicateDelayMs,
          duplicate: true,
        });
      if (plan.dropped) {
        options.print(`${new Date().toISOString()}  ${body.type}  ${body.id}  dropped (injected)  txn ${body.transactionId}`);
        deliveries.shift();
      }
      const ended = await Promise.all(deliveries.map(deliver));
      return ended.every(Boolean);
    },
  };
}

export type Forwarder = ReturnType<typeof createForwarder>;

/** `2026-12-07T20:50:01.123Z  transaction.completed  evt_…  500 after 12 ms (attempt 1/8), next try in 1.2 s  txn …` */
function attemptLine(delivery: Delivery, attempt: number, maxAttempts: number, result: AttemptResult, nextMs: number | null): string {
  const outcome =
    result.status === null
      ? `${result.error ?? 'no answer'} after ${result.latencyMs} ms`
      : `${result.status} after ${result.latencyMs} ms`;
  const tags = [
    delivery.duplicate ? 'duplicate' : null,
    delivery.slow ? 'slow' : null,
    delivery.delayMs > 0 ? `delayed ${delivery.delayMs} ms` : null,
  ]
    .filter((tag) => tag !== null)
    .map((tag) => ` [${tag}]`)
    .join('');
  const next = result.delivered ? '' : nextMs === null ? ', failed' : `, next try in ${formatMs(nextMs)}`;
  return `${new Date().toISOString()}  ${delivery.type}  ${delivery.eventId}  ${outcome} (attempt ${attempt}/${maxAttempts})${next}${tags}  txn ${delivery.transactionId}`;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
