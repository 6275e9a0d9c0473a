import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { LogWaker } from '@tracktrove/event-store';
import { attemptLimits, createAttemptAgents } from '@tracktrove/webhooks';
import { attemptDelivery, type AttemptContext, type DescribedEvent } from './attempt-delivery.ts';
import { anyEndpointEnabled, claimDueDeliveries, releaseLease, type ClaimedDelivery } from './delivery-queue.ts';
import type { DeliveryRow } from './delivery-view.ts';
import { createDeliveryWriter } from './delivery-writer.ts';
import type { EndpointTables } from './tables.ts';

export type { DescribedEvent } from './attempt-delivery.ts';

export const dispatcherLimits = {
  /** Attempts running at once in one process (each holds one connection to the receiver). */
  maxInFlight: 32,
  /**
   * Deliveries claimed and not yet recorded, sending or sent (a sent attempt's slot is free while
   * its record waits for the next group commit), in multiples of maxInFlight.
   */
  unrecordedPerSlot: 8,
  /** How often due deliveries are looked for when nothing woke the dispatcher (sandbox retries, delays). */
  pollIntervalMs: 200,
  /**
   * With no endpoint enabled, appends plan no delivery, so the dispatcher stops waking on them and
   * looks this often instead (for what is left to retry, and for endpoints another process enabled).
   */
  idlePollIntervalMs: 1000,
  /** A lease outlives the longest attempt (timeout plus a slow body) by this much. */
  leaseMarginMs: 5000,
} as const;

export interface DispatcherOptions {
  readonly db: Kysely<EndpointTables>;
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
  status(): { readonly inFlight: number; readonly sent: number };
}

/**
 * Sends endpoint deliveries as they come due: claims due rows (at most maxInFlight attempts at
 * once) and attempts each (attempt-delivery.ts). Wakes on appends, on wake() and when an attempt
 * ends, and polls for deliveries the sandbox clock made due.
 */
export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const timeoutMs = options.timeoutMs ?? attemptLimits.defaultTimeoutMs;
  const slowMs = options.slowMs ?? attemptLimits.defaultSlowMs;
  const maxInFlight = options.maxInFlight ?? dispatcherLimits.maxInFlight;
  const pollIntervalMs = options.pollIntervalMs ?? dispatcherLimits.pollIntervalMs;
  const leaseMs = options.leaseMs ?? timeoutMs + slowMs + dispatcherLimits.leaseMarginMs;
  /** Every delivery being handled, until its attempt is recorded. */
  const inFlight = new Set<Promise<void>>();
  const maxUnrecorded = maxInFlight * dispatcherLimits.unrecordedPerSlot;
  /** Of those, the ones whose request has not come back yet: what maxInFlight bounds. */
  let sending = 0;
  const refillAtSending = Math.floor(maxInFlight / 2);
  /** Deliveries this process is attempting: claimed again (its lease ran out meanwhile), one only has its lease renewed. */
  const attempting = new Set<string>();
  const abort = new AbortController();
  const agents = createAttemptAgents(maxInFlight);
  let sent = 0;
  let wakeLocal: (() => void) | null = null;
  let wokenMeanwhile = false;

  const wake = () => {
    wokenMeanwhile = true;
    wakeLocal?.();
  };

  const context: AttemptContext = {
    writer: createDeliveryWriter(options.db, maxInFlight * 4),
    now: options.now,
    describeEvent: options.describeEvent,
    allowedHosts: options.allowedHosts,
    timeoutMs,
    slowMs,
    agents,
    wake,
    stopping: () => abort.signal.aborted,
    releaseLease: (deliveryId) => releaseLease(options.db, deliveryId),
  };

  const handle = async (claimed: ClaimedDelivery, onSent: () => void) => {
    try {
      if ((await attemptDelivery(claimed, context, onSent)) === 'sent') sent += 1;
    } catch (error) {
      // Not recorded: its lease runs out and it is attempted again (at least once).
      options.logger?.warn(
        { err: error, deliveryId: claimed.delivery.delivery_id },
        'endpoint delivery not recorded; it is attempted again',
      );
    }
  };

  const waitForWork = async (seenNotifications: number | undefined, idle: boolean) => {
    if (wokenMeanwhile) return;
    const local = new AbortController();
    const stopWaiting = () => local.abort();
    abort.signal.addEventListener('abort', stopWaiting, { once: true });
    wakeLocal = stopWaiting;
    try {
      if (idle) await sleepUnlessAborted(dispatcherLimits.idlePollIntervalMs, local.signal);
      else if (options.waker) await options.waker.wait(pollIntervalMs, local.signal, seenNotifications);
      else await sleepUnlessAborted(pollIntervalMs, local.signal);
    } finally {
      wakeLocal = null;
      abort.signal.removeEventListener('abort', stopWaiting);
    }
  };

  /** False only when the database says so: on an error the dispatcher keeps waking on appends. */
  const endpointsEnabled = () => anyEndpointEnabled(options.db).catch(() => true);

  const loop = async () => {
    while (!abort.signal.aborted) {
      const seen = options.waker?.notifications();
      wokenMeanwhile = false;
      const room = Math.min(maxInFlight - sending, maxUnrecorded - inFlight.size);
      let claimed: ClaimedDelivery[] = [];
      if (room > 0) {
        try {
          claimed = await claimDueDeliveries(options.db, { now: await options.now(), count: room, leaseMs });
        } catch (error) {
          options.logger?.warn({ err: error }, 'due endpoint deliveries not read; trying again');
        }
      }
      for (const entry of claimed) {
        const deliveryId = entry.delivery.delivery_id;
        if (attempting.has(deliveryId)) continue;
        attempting.add(deliveryId);
        sending += 1;
        let slotHeld = true;
        /** The request came back (or never went): its slot is free while the record is written. */
        const freeSlot = () => {
          if (!slotHeld) return;
          slotHeld = false;
          sending -= 1;
          // Claims in batches: once half the slots are free (one claim statement for many).
          if (sending <= refillAtSending) wake();
        };
        const running: Promise<void> = handle(entry, freeSlot).finally(() => {
          freeSlot();
          attempting.delete(deliveryId);
          inFlight.delete(running);
          if (inFlight.size === maxUnrecorded - 1) wake();
        });
        inFlight.add(running);
      }
      if (room > 0 && claimed.length === room) continue;
      await waitForWork(seen, claimed.length === 0 && inFlight.size === 0 && !(await endpointsEnabled()));
    }
  };
  const running = loop();

  return {
    wake,
    async stop() {
      abort.abort();
      await running;
      await Promise.allSettled([...inFlight]);
      agents.destroy();
    },
    status: () => ({ inFlight: inFlight.size, sent }),
  };
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
