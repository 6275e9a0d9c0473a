import { decide, evolve, retriesLeft, type TransactionCommand, type TransactionState } from '@tracktrove/domain';
import { authorize, seededRandom, simulationInForce, type AuthorizationDecision, type FailureSettings } from '@tracktrove/simulator';
import { backoffDelayMs } from '@tracktrove/common';

export interface RetryBackoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Decides commands one after the other on a local fold, so each sees the state the previous made. */
export class CommandPlan {
  readonly commands: TransactionCommand[] = [];
  constructor(public state: TransactionState) {}
  add(command: TransactionCommand): this {
    for (const event of decide(command, this.state)) this.state = evolve(this.state, event);
    this.commands.push(command);
    return this;
  }
}

/**
 * The gateway's authorization and what follows a decline, as commands: RecordAuthorization, then
 * ScheduleRetry (exponential backoff, seeded jitter, due time recorded) while retries are left, or
 * ExhaustRetries. A forced retry from FAILED starts with ScheduleRetry { forced, dueAt: now }.
 * `failures`: the global failure injection in force now (success rate, gateway latency).
 */
export function planAuthorization(
  plan: CommandPlan,
  options: { now: Date; failures: FailureSettings; backoff: RetryBackoff; forced?: boolean },
): AuthorizationDecision {
  const now = options.now.toISOString();
  if (plan.state.status === 'FAILED' && options.forced) plan.add({ type: 'ScheduleRetry', dueAt: now, forced: true, now });
  const attempt = Math.max(1, plan.state.attempt);
  const simulation = simulationInForce(plan.state, options.failures);
  const decision = authorize({ state: plan.state, simulation, attempt, now: options.now, latencyMs: options.failures.gatewayLatencyMs });
  plan.add(
    decision.outcome === 'authorized'
      ? { type: 'RecordAuthorization', outcome: 'authorized', holdId: decision.holdId, expiresAt: decision.expiresAt, now }
      : { type: 'RecordAuthorization', outcome: 'declined', reason: decision.reason, code: decision.code, now },
  );
  if (decision.outcome === 'declined') planAfterDecline(plan, { ...options, attempt });
  return decision;
}

/**
 * What follows a decline in FAILED: ScheduleRetry (exponential backoff, seeded jitter) while
 * retries are left, else ExhaustRetries. The jitter is seeded by the attempt that was declined.
 */
export function planAfterDecline(plan: CommandPlan, options: { now: Date; backoff: RetryBackoff; attempt?: number }): void {
  const now = options.now.toISOString();
  if (retriesLeft(plan.state) > 0) {
    const random = seededRandom(plan.state.simulation.seed, options.attempt ?? Math.max(1, plan.state.attempt), 'retry-jitter')();
    const delayMs = backoffDelayMs({
      attempt: plan.state.retryCount + 1,
      baseDelayMs: options.backoff.baseDelayMs,
      maxDelayMs: options.backoff.maxDelayMs,
      random,
    });
    plan.add({ type: 'ScheduleRetry', dueAt: new Date(options.now.getTime() + delayMs).toISOString(), forced: false, now });
  } else {
    plan.add({ type: 'ExhaustRetries', now });
  }
}
