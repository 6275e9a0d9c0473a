import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { LogWaker } from '@tracktrove/event-store';
import {
  attemptLimits,
  buildDeliveryRequest,
  checkEndpointUrl,
  eventIdOf,
  planFaults,
  sendAttempt,
  type AttemptResult,
  type DeliveryRequest,
} from '@tracktrove/webhooks';
import { claimDueDeliveries, recordAttempt, recordPlan, releaseLease, type ClaimedDelivery } from './delivery-queue.ts';
import { deliveryTraceparent, type DeliveryRow } from './delivery-view.ts';

export const dispatcherLimits = {
  /** Attempts running at once in one process (each holds one connection to the receiver). */
  maxInFlight: 16,
  /** How often due deliveries are looked for when nothing woke the dispatcher (sandbox retries, delays). */
  pollIntervalMs: 200,
  /** A lease outlives the longest attempt (timeout plus a slow body) by this much. */
  leaseMarginMs: 2000,
} as const;

/** What a delivery's event looks like to its receiver: the body (built once) and the seed its faults are drawn with. */
export interface DescribedEvent {
  readonly body: string;
  readonly seed: number | string;
}

export interface DispatcherOptions {
  readonly db: Kysely<any>;
  /** Sandbox now. */
  readonly now: () => Promise<Date>;
  readonly describeEvent: (delivery: DeliveryRow) => Promise<DescribedEvent>;
  readonly allowedHosts: readonly string[];
  /** Woken by every append (this process's at once, others' by NOTIFY). */
  readonly waker?: Pick<LogWaker, 'wait' | 'notifications'>;
  readonly timeoutMs?: number;
  /** The pause before a slow delivery's body (wall clock). */
  readonly slowMs?: number;
  readonly maxInFlight?: number;
  readonly pollIntervalMs?: number;
  /** Wall-clock lease of a claimed delivery; by default the timeout plus the slow pause plus leaseMarginMs. */
  readonly leaseMs?: number;
  readonly logger?: Logger;
}

export interface Dispatcher {
  /** Look for due deliveries now (a clock advance, a redelivery). */
  wake(): void;
  stop(): Promise<void>;
  status(): { readonly inFlight: number; readonly attempts: number };
}

/**
 * Sends endpoint deliveries as they come due: claims due rows (at most maxInFlight attempts at
 * once), decides each one's faults the first time it is due, attempts it and records the attempt.
 * Wakes on appends and on wake(), and polls for deliveries the sandbox clock made due.
 */
export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const timeoutMs = options.timeoutMs ?? attemptLimits.defaultTimeoutMs;
  const slowMs = options.slowMs ?? attemptLimits.defaultSlowMs;
  const maxInFlight = options.maxInFlight ?? dispatcherLimits.maxInFlight;
  const pollIntervalMs = options.pollIntervalMs ?? dispatcherLimits.pollIntervalMs;
  const leaseMs = options.leaseMs ?? timeoutMs + slowMs + dispatcherLimits.leaseMarginMs;
  const inFlight = new Set<Promise<void>>();
  const abort = new AbortController();
  let attempts = 0;
  let wakeLocal: (() => void) | null = null;
  let wokenMeanwhile = false;

  const wake = () => {
    wokenMeanwhile = true;
    wakeLocal?.();
  };

  const waitForWork = async (seenNotifications: number | undefined) => {
    if (wokenMeanwhile) return;
    const local = new AbortController();
    const stopWaiting = () => local.abort();
    abort.signal.addEventListener('abort', stopWaiting, { once: true });
    wakeLocal = stopWaiting;
    try {
      if (options.waker) await options.waker.wait(pollIntervalMs, local.signal, seenNotifications);
      else
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollIntervalMs);
          local.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
    } finally {
      wakeLocal = null;
      abort.signal.removeEventListener('abort', stopWaiting);
    }
  };

  const handle = async (claimed: ClaimedDelivery) => {
    try {
      await attemptOne(claimed);
    } catch (error) {
      // Not recorded: its lease runs out and it is attempted again (at least once).
      options.logger?.warn(
        { err: error, deliveryId: claimed.delivery.delivery_id },
        'endpoint delivery not recorded; it is attempted again',
      );
    }
  };

  const attemptOne = async ({ delivery, endpoint }: ClaimedDelivery) => {
    const deliveryId = delivery.delivery_id;
    const refuse = async (error: string) => {
      await recordAttempt(options.db, {
        deliveryId,
        at: await options.now(),
        request: { headers: {}, body: delivery.body ?? '' },
        status: null,
        responseBody: '',
        latencyMs: 0,
        error,
        delivered: false,
        retryable: false,
      });
    };
    if (!endpoint) return refuse('the endpoint no longer exists');
    let body = delivery.body;
    let slow = delivery.injected?.slow ?? false;
    if (delivery.injected === null || body === null) {
      const described = await options.describeEvent(delivery);
      const plan = planFaults(
        {
          seed: described.seed,
          transactionId: delivery.transaction_id,
          endpointId: delivery.endpoint_id,
          eventKey: Number(delivery.stream_version),
        },
        endpoint.failures,
      );
      const planned = await recordPlan(options.db, delivery, plan, described.body);
      if (planned.duplicateId !== null || planned.outcome === 'delayed') wake();
      if (planned.outcome !== 'attempt_now') return;
      body = described.body;
      slow = plan.slow;
    }
    if (endpoint.deleted_at !== null) return refuse('the endpoint was deleted');
    if (!endpoint.enabled) return refuse('the endpoint is disabled');
    const verdict = checkEndpointUrl(endpoint.url, options.allowedHosts);
    if (!verdict.ok) return refuse(`not sent: ${verdict.reason}`);
    const request: DeliveryRequest = buildDeliveryRequest({
      secret: endpoint.secret,
      body,
      deliveryId,
      eventId: eventIdOf(delivery.event_id),
      traceparent: deliveryTraceparent(delivery),
      unixSeconds: Math.floor(Date.now() / 1000),
    });
    if (abort.signal.aborted) return releaseLease(options.db, deliveryId);
    const result: AttemptResult = await sendAttempt({
      url: endpoint.url,
      ...request,
      timeoutMs,
      ...(slow && delivery.attempts === 0 ? { slowMs } : {}),
    });
    attempts += 1;
    await recordAttempt(options.db, {
      deliveryId,
      at: await options.now(),
      request,
      status: result.status,
      responseBody: result.responseBody,
      latencyMs: result.latencyMs,
      error: result.error,
      delivered: result.delivered,
      retryable: true,
    });
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      const seen = options.waker?.notifications();
      wokenMeanwhile = false;
      const room = maxInFlight - inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      if (room > 0) {
        try {
          claimed = await claimDueDeliveries(options.db, { now: await options.now(), count: room, leaseMs });
        } catch (error) {
          options.logger?.warn({ err: error }, 'due endpoint deliveries not read; trying again');
        }
      }
      for (const entry of claimed) {
        const running: Promise<void> = handle(entry).finally(() => {
          inFlight.delete(running);
          wake();
        });
        inFlight.add(running);
      }
      if (room > 0 && claimed.length === room) continue;
      await waitForWork(seen);
    }
  };
  const running = loop();

  return {
    wake,
    async stop() {
      abort.abort();
      await running;
      await Promise.allSettled([...inFlight]);
    },
    status: () => ({ inFlight: inFlight.size, attempts }),
  };
}
