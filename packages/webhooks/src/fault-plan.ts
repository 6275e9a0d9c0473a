import { seededRandom } from '@tracktrove/common';
import type { EndpointFailures } from './failures.ts';

/** What a delivery's faults are, decided once (seeded) and recorded on it. */
export interface FaultPlan {
  readonly dropped: boolean;
  /** A second delivery of the same event follows this one. */
  readonly duplicate: boolean;
  /** Sandbox milliseconds before the first attempt: the endpoint's delay plus any reorder delay. */
  readonly delayMs: number;
  /** Whether a random reorder delay was added (part of delayMs). */
  readonly reordered: boolean;
  /** Sandbox milliseconds before the duplicate's first attempt (0 without a duplicate). */
  readonly duplicateDelayMs: number;
  /** The request body is sent after a pause (see sendDelivery's slowMs). */
  readonly slow: boolean;
}

export interface FaultKey {
  /** The simulation seed in force. */
  readonly seed: number | string;
  readonly transactionId: string;
  /** An endpoint's id, or a listener's name. */
  readonly endpointId: string;
  /** The event within its transaction: its stream version. */
  readonly eventKey: number | string;
}

/** The span of a reorder delay: twice the endpoint's delay plus a second, so neighbours overtake one another. */
export const reorderSpanMs = (delayMs: number) => 2 * delayMs + 1000;
/** A duplicate follows its original at least this long after (sandbox time). */
export const duplicateGapMs = 200;

/**
 * The faults of one delivery: the same key and failures always give the same plan, so the same
 * seed replays the same faults. Draws in a fixed order (drop, duplicate, slow, reorder, the
 * duplicate's reorder) so adding a rate never changes the others' rolls.
 */
export function planFaults(key: FaultKey, failures: EndpointFailures): FaultPlan {
  const random = seededRandom(key.seed, 'endpoint-delivery', key.transactionId, key.endpointId, key.eventKey);
  const dropped = random() < failures.dropRate;
  const duplicate = random() < failures.duplicateRate;
  const slow = random() < failures.slowRate;
  const span = reorderSpanMs(failures.delayMs);
  const reorderMs = failures.reorder ? Math.floor(random() * span) : 0;
  const duplicateReorderMs = failures.reorder ? Math.floor(random() * span) : 0;
  return {
    dropped,
    duplicate,
    delayMs: failures.delayMs + reorderMs,
    reordered: failures.reorder,
    duplicateDelayMs: duplicate ? failures.delayMs + duplicateReorderMs + duplicateGapMs : 0,
    slow,
  };
}
