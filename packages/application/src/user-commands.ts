import { randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  defaultSimulation,
  initialState,
  ValidationError,
  validTraceparent,
  type Actor,
  type SimulationSettings,
  type TransactionCommand,
  type TransactionState,
} from '@tracktrove/domain';
import { loadTransaction, type CommandSequence, type StepContext } from '@tracktrove/commands';
import { effectiveSimulation } from '@tracktrove/simulator';
import { uuidV5 } from '@tracktrove/common';
import type { ApplicationContext } from './application-context.ts';
import type { CommandBus } from './command-bus.ts';
import { NotFoundError } from './errors.ts';
import { CommandPlan, planAuthorization } from './plan-authorization.ts';
import type { CommandOptions, SimulationInput, TrackTrove } from './track-trove-api.ts';

const anonymousPayerId = uuidV5('tracktrove|anonymous-payer');

export type UserCommands = Pick<TrackTrove, 'initiate' | 'retry' | 'refund' | 'openDispute' | 'resolveDispute' | 'override'>;

/** A command on a transaction that must exist: a stream with no events answers 404. */
const existing =
  (transactionId: string, build: (state: TransactionState) => TransactionCommand | CommandSequence) => (state: TransactionState) => {
    if (state.status === 'NEW') throw new NotFoundError('transaction', transactionId);
    return build(state);
  };

const contextOf = (actor: Actor, commandOptions: CommandOptions | undefined, extra: Partial<StepContext> = {}): StepContext => ({
  actor,
  correlationId: commandOptions?.correlationId ?? randomUUID(),
  traceparent: validTraceparent(commandOptions?.traceparent),
  ...extra,
});

/** The transaction's own simulation settings: the request's, over the defaults, with a fresh seed unless given. */
function mergeSimulation(context: ApplicationContext, input: SimulationInput | undefined): SimulationSettings {
  return {
    ...defaultSimulation,
    escrowTtlMs: context.defaults.escrowTtlMs,
    seed: randomInt(0, 2 ** 32 - 1),
    ...input,
    webhook: { ...defaultSimulation.webhook, ...input?.webhook },
  };
}

/** What users ask of a transaction (initiate, retry, refund, disputes, an admin's override): each one command through the bus. */
export function userCommands(context: ApplicationContext, bus: CommandBus): UserCommands {
  const { db, clock, defaults, backoff, settings } = context;

  /** A lifecycle command on an existing transaction, decided at the sandbox clock's now. */
  async function simple(
    transactionId: string,
    commandOptions: CommandOptions | undefined,
    step: StepContext,
    build: (now: string) => TransactionCommand,
  ) {
    const now = await clock.now();
    return bus.execute(
      {
        transactionId,
        expectedVersion: commandOptions?.expectedVersion,
        command: existing(transactionId, () => build(now.toISOString())),
        context: step,
      },
      now,
      commandOptions?.idempotency,
    );
  }

  return {
    async initiate(input, actor, commandOptions) {
      const { minMinor, maxMinor } = defaults.amountLimits;
      if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor < minMinor || input.amountMinor > maxMinor) {
        throw new ValidationError([{ path: 'amount', message: `must be between ${minMinor} and ${maxMinor} minor units` }]);
      }
      // The offset and the failure settings as this process last read them (at most one sweep
      // ago, and at once after a change made here): two round trips fewer per initiate.
      const now = await clock.nowRecent();
      const transactionId = input.transactionId ?? randomUUID();
      const requestedSimulation = mergeSimulation(context, input.simulation);
      const simulation = effectiveSimulation(requestedSimulation, settings.failures);
      const plan = new CommandPlan(initialState());
      const traceparent = validTraceparent(commandOptions?.traceparent);
      plan.add({
        type: 'Initiate',
        transactionId,
        vendorId: input.vendorId,
        payerId: input.payerId ?? anonymousPayerId,
        amountMinor: input.amountMinor,
        currency: input.currency,
        channel: input.channel,
        kind: input.kind,
        payload: input.payload,
        serviceContext: input.serviceContext ?? null,
        simulation,
        ...(isDeepStrictEqual(simulation, requestedSimulation) ? {} : { requestedSimulation }),
        retryPolicy: { maxRetries: defaults.maxRetries },
        ...(traceparent ? { traceparent } : {}),
        now: now.toISOString(),
      });
      const decision = planAuthorization(plan, { now, failures: settings.failures, backoff });
      return bus.execute(
        {
          transactionId,
          command: plan.commands,
          context: contextOf(actor, commandOptions, { durationMs: decision.durationMs }),
          newStream: input.transactionId === undefined,
        },
        now,
        commandOptions?.idempotency,
      );
    },

    async retry(transactionId, actor, commandOptions) {
      const now = await clock.now();
      // The gateway is deterministic for a state: preview its latency for the step's metadata.
      const preview = await loadTransaction(db, transactionId);
      let durationMs = 0;
      try {
        if (preview)
          durationMs = planAuthorization(new CommandPlan(preview), { now, failures: settings.failures, backoff, forced: true }).durationMs;
      } catch {
        // the command below reports the rejection
      }
      return bus.execute(
        {
          transactionId,
          expectedVersion: commandOptions?.expectedVersion,
          command: existing(transactionId, (state) => {
            const plan = new CommandPlan(state);
            planAuthorization(plan, { now, failures: settings.failures, backoff, forced: true });
            return plan.commands;
          }),
          context: contextOf(actor, commandOptions, { service: 'gateway', durationMs }),
          // The attempt the forced retry runs: the scheduled one from RETRY_PENDING, the next one from FAILED.
          stepOf: (state) => ({ attempt: state.status === 'FAILED' ? state.attempt + 1 : Math.max(1, state.attempt) }),
        },
        now,
        commandOptions?.idempotency,
      );
    },

    async refund(transactionId, reason, actor, commandOptions) {
      const refundId = randomUUID();
      return simple(transactionId, commandOptions, contextOf(actor, commandOptions), (now) => ({
        type: 'RequestRefund',
        refundId,
        reason,
        now,
      }));
    },

    async openDispute(transactionId, reason, actor, commandOptions) {
      const disputeId = randomUUID();
      return simple(transactionId, commandOptions, contextOf(actor, commandOptions), (now) => ({
        type: 'OpenDispute',
        disputeId,
        reason,
        now,
      }));
    },

    resolveDispute: (transactionId, outcome, actor, commandOptions) =>
      simple(transactionId, commandOptions, contextOf(actor, commandOptions), (now) => ({ type: 'ResolveDispute', outcome, now })),

    override: (transactionId, to, reason, actor, commandOptions) =>
      simple(transactionId, commandOptions, contextOf(actor, commandOptions, { service: 'admin' }), (now) => ({
        type: 'OverrideStatus',
        to,
        reason,
        actor,
        now,
      })),
  };
}
