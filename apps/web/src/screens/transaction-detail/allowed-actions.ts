import type { StoredEvent, TransactionStatus } from '../../api/types.ts';

/**
 * Which commands the lifecycle accepts from a transaction's status, so the detail screen offers
 * only those instead of buttons that can only answer 409 invalid_transition.
 *
 * Mirrors packages/domain/src/decider/transitions.ts (the `transitions` table) and the guards of
 * packages/domain/src/decider/decide.ts; the viewer imports no server package, so keep this in
 * step with them. The admin override is not here: it is allowed from every status.
 */
export type LifecycleAction = 'confirm' | 'retry' | 'refund' | 'open-dispute' | 'resolve-dispute';

const actionsFrom: Record<LifecycleAction, readonly TransactionStatus[]> = {
  // ConfirmPayment: ESCROW -> COMPLETED (EscrowHoldPosted). Anywhere later it changes nothing.
  confirm: ['ESCROW'],
  // POST /retry runs the gateway now: from FAILED it first schedules a retry (ScheduleRetry, while
  // retries are left); RecordAuthorization is also taken from RETRY_PENDING (the scheduled
  // attempt, now) and INITIATED.
  retry: ['INITIATED', 'FAILED', 'RETRY_PENDING'],
  // RequestRefund: ESCROW voids the hold; COMPLETED and SETTLED request a refund.
  refund: ['ESCROW', 'COMPLETED', 'SETTLED'],
  'open-dispute': ['COMPLETED', 'SETTLED'],
  'resolve-dispute': ['DISPUTE_OPEN'],
};

/** domain status.ts `terminalStatuses`. */
const terminalStatuses: readonly TransactionStatus[] = ['PERMANENTLY_FAILED', 'REFUNDED', 'DISPUTE_RESOLVED'];

/** What the decider looks at besides the status. */
export interface LifecycleFacts {
  status: TransactionStatus;
  retryCount: number;
  /** From the TransactionInitiated event; null when not known (then retries are assumed left). */
  maxRetries: number | null;
  /** A refund was requested and the gateway has not answered yet. */
  refundPending: boolean;
}

export interface AllowedActions {
  actions: ReadonlySet<LifecycleAction>;
  /** Why some or all lifecycle actions are missing, for the user; null when nothing needs saying. */
  note: string | null;
}

export function allowedActions(facts: LifecycleFacts): AllowedActions {
  const { status, refundPending } = facts;
  const retriesExhausted = status === 'FAILED' && facts.maxRetries !== null && facts.retryCount >= facts.maxRetries;
  const actions = new Set<LifecycleAction>();
  for (const [action, statuses] of Object.entries(actionsFrom) as [LifecycleAction, readonly TransactionStatus[]][]) {
    if (!statuses.includes(status)) continue;
    // decide: RequestRefund and OpenDispute are rejected while a refund is pending.
    if (refundPending && (action === 'refund' || action === 'open-dispute')) continue;
    // decide: ScheduleRetry from FAILED is rejected once the retries are used up.
    if (retriesExhausted && action === 'retry') continue;
    actions.add(action);
  }
  return { actions, note: noteFor(facts, retriesExhausted) };
}

function noteFor(facts: LifecycleFacts, retriesExhausted: boolean): string | null {
  if (terminalStatuses.includes(facts.status)) return `${facts.status} is terminal: no lifecycle action is left, only an admin override moves it.`;
  if (retriesExhausted) return `retries exhausted (${facts.retryCount} of ${facts.maxRetries}): no retry is left.`;
  if (facts.refundPending) return 'a refund is pending: refund and dispute wait until the gateway answers it.';
  return null;
}

/** The facts of the decider's state that the transaction object lacks, read from the stream's events. */
export function lifecycleFactsOf(status: TransactionStatus, retryCount: number, events: readonly StoredEvent[]): LifecycleFacts {
  let maxRetries: number | null = null;
  let refundPending = false;
  // As evolve.ts folds `refund`: requested -> pending; succeeded, failed or an override -> not.
  for (const event of events) {
    if (event.type === 'TransactionInitiated') maxRetries = maxRetriesOf(event.data);
    else if (event.type === 'RefundRequested') refundPending = true;
    else if (event.type === 'RefundSucceeded' || event.type === 'RefundFailed' || event.type === 'StatusOverridden') refundPending = false;
  }
  return { status, retryCount, maxRetries, refundPending };
}

function maxRetriesOf(data: Record<string, unknown>): number | null {
  const policy = data.retryPolicy as { maxRetries?: unknown } | undefined;
  return typeof policy?.maxRetries === 'number' ? policy.maxRetries : null;
}
