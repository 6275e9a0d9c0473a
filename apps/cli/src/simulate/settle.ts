import type { TransactionState } from '@tracktrove/domain';
import type { Progress } from '../progress.ts';
import type { SimulationBackend } from './backend.ts';

/** Statuses a transaction leaves on its own: a webhook, a retry, a hold's expiry or an authorization is still to come. */
const movingStatuses: ReadonlySet<string> = new Set(['NEW', 'INITIATED', 'ESCROW', 'FAILED', 'RETRY_PENDING']);

/** In flight: its status will change without anyone acting, or its refund's outcome is still to arrive. */
export function isInFlight(state: TransactionState | undefined): boolean {
  return state === undefined || movingStatuses.has(state.status) || state.refund?.state === 'pending';
}

/** When the transaction's next step is due, at the latest (sandbox epoch ms). */
function dueAtMs(state: TransactionState, nowMs: number): number {
  const updatedAtMs = state.updatedAt ? Date.parse(state.updatedAt) : nowMs;
  if (state.refund?.state === 'pending') return updatedAtMs + state.simulation.webhook.delayMs;
  if (state.status === 'ESCROW' && state.hold) return Date.parse(state.hold.expiresAt);
  if (state.status === 'RETRY_PENDING' && state.nextRetryAt) return Date.parse(state.nextRetryAt);
  return updatedAtMs;
}

export interface SettleResult {
  /** Transactions still in flight when the wait ended. */
  readonly inFlight: number;
  readonly clockAdvancedMs: number;
  readonly firedTimers: number;
}

const pollMs = 250;

/**
 * Waits until none of `transactionIds` is in flight, or until `deadlineMs` (wall clock): advances
 * the sandbox clock to just past the latest time one of them waits for (the advance fires the timers due on
 * the way, in order, and what they schedule in turn), and when what they wait for is already due
 * lets the timers fire it. `states` is updated in place.
 */
export async function settle(
  backend: SimulationBackend,
  transactionIds: readonly string[],
  states: Map<string, TransactionState>,
  deadlineMs: number,
  progress: Progress,
  correlationId: string,
): Promise<SettleResult> {
  for (const [id, state] of await backend.states(transactionIds)) states.set(id, state);
  let pending = transactionIds.filter((id) => isInFlight(states.get(id)));
  let clockAdvancedMs = 0;
  let firedTimers = 0;
  while (pending.length > 0 && Date.now() < deadlineMs) {
    progress.update(transactionIds.length - pending.length, transactionIds.length);
    const nowMs = await backend.now();
    const dueMs = pending.reduce((latest, id) => {
      const state = states.get(id);
      return state ? Math.max(latest, dueAtMs(state, nowMs)) : latest;
    }, 0);
    if (dueMs >= nowMs) {
      const advanced = await backend.advance(dueMs - nowMs + 1_000, correlationId);
      clockAdvancedMs += advanced.advancedMs;
      firedTimers += advanced.firedTimers;
    } else {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    for (const [id, state] of await backend.states(pending)) states.set(id, state);
    pending = pending.filter((id) => isInFlight(states.get(id)));
  }
  progress.update(transactionIds.length - pending.length, transactionIds.length);
  return { inFlight: pending.length, clockAdvancedMs, firedTimers };
}
