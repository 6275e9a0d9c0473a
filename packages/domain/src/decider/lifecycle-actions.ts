import { InvalidTransitionError, ValidationError } from '../errors.ts';
import { isTerminal } from '../status.ts';
import type { TransactionCommand } from './commands.ts';
import { decide } from './decide.ts';
import { hasPendingRefund, retriesLeft, type TransactionState } from './state.ts';

/**
 * What a user may do to a transaction from its state, for screens that offer only those actions
 * (the trace viewer's transaction screen). The admin override is not here: it is allowed from every
 * status but NEW.
 *
 * There is no table of its own to keep in step: each action is allowed exactly when `decide`, the
 * one home of the lifecycle's rules (the transition table and its guards), turns the action's
 * command into at least one event. A command `decide` answers with no events (a confirmation of a
 * posted hold) changes nothing, so it is not offered.
 */
export type LifecycleAction = 'confirm' | 'retry' | 'refund' | 'open-dispute' | 'resolve-dispute';

export const lifecycleActionNames: readonly LifecycleAction[] = ['confirm', 'retry', 'refund', 'open-dispute', 'resolve-dispute'];

export interface LifecycleActions {
  actions: LifecycleAction[];
  /** Why some or all actions are missing, in words for the user; null when nothing needs saying. */
  note: string | null;
}

/**
 * The commands an action runs, as the application sends them. A forced retry schedules a retry from
 * FAILED and runs the gateway at once from INITIATED or RETRY_PENDING; the gateway's answer is not
 * known in advance, so a decline stands for it (both outcomes share the transition's source).
 */
function commandsOf(action: LifecycleAction, state: TransactionState, now: string): TransactionCommand[] {
  switch (action) {
    case 'confirm':
      return [{ type: 'ConfirmPayment', now }];
    case 'retry':
      return state.status === 'FAILED'
        ? [{ type: 'ScheduleRetry', dueAt: now, forced: true, now }]
        : [{ type: 'RecordAuthorization', outcome: 'declined', reason: 'probe', code: 'probe', now }];
    case 'refund':
      return [{ type: 'RequestRefund', refundId: 'probe', reason: 'probe', now }];
    case 'open-dispute':
      return [{ type: 'OpenDispute', disputeId: 'probe', reason: 'probe', now }];
    case 'resolve-dispute':
      return [{ type: 'ResolveDispute', outcome: 'WON', now }];
  }
}

function decides(command: TransactionCommand, state: TransactionState): boolean {
  try {
    return decide(command, state).length > 0;
  } catch (error) {
    // A refusal means "not allowed"; anything else (a broken invariant) is a bug and surfaces.
    if (error instanceof InvalidTransitionError || error instanceof ValidationError) return false;
    throw error;
  }
}

/**
 * The actions `decide` accepts from `state` at `now` (the sandbox clock's ISO time; it matters for a
 * hold past its expiry, which can no longer be confirmed). Without `now`, the state's last update.
 */
export function lifecycleActions(state: TransactionState, now: string = state.updatedAt ?? new Date(0).toISOString()): LifecycleActions {
  const actions = lifecycleActionNames.filter(
    (action) => state.status !== 'NEW' && commandsOf(action, state, now).some((command) => decides(command, state)),
  );
  return { actions, note: noteFor(state) };
}

function noteFor(state: TransactionState): string | null {
  if (state.status !== 'NEW' && isTerminal(state.status))
    return `${state.status} is terminal: no lifecycle action is left, only an admin override moves it.`;
  if (state.status === 'FAILED' && retriesLeft(state) === 0) {
    return `retries exhausted (${state.retryCount} of ${state.retryPolicy.maxRetries}): no retry is left.`;
  }
  if (hasPendingRefund(state)) return 'a refund is pending: refund and dispute wait until the gateway answers it.';
  return null;
}
