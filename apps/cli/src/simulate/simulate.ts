import type { TransactionState } from '@tracktrove/domain';
import { defaultFailureSettings, type FailureSettings } from '@tracktrove/simulator';
import type { SimulateArgs } from './args.ts';
import type { CommandRunner } from '../context.ts';
import { startProgress } from '../progress.ts';
import { describeError } from '../describe-error.ts';
import { resolveTarget } from '../server/target.ts';
import type { SimulationBackend } from './backend.ts';
import { openDatabaseBackend } from './database-backend.ts';
import { serverBackend } from './server-backend.ts';
import { foldOutcomes } from './outcomes.ts';
import { initiateInputOf, refundsTransaction } from './plan.ts';
import { settle } from './settle.ts';
import { formatSummary } from './summary.ts';

/** Distinct failure messages kept for the summary; the rest are counted together. */
const maxFailureMessages = 10;

/**
 * On the database itself, or through the server that holds the embedded data directory (or the
 * one --url names): the same transactions, progress, summary and exit code either way.
 */
export const simulate: CommandRunner<SimulateArgs> = async (args, { config, logger, io }) => {
  const startedAtMs = Date.now();
  const target = await resolveTarget(args.server, config, io.env);
  const backend: SimulationBackend = target.kind === 'server' ? serverBackend(target.api) : await openDatabaseBackend(config, logger);
  try {
    // Asked first: through a server it also checks the admin token before anything is written.
    const globalOverrides = overridesOf(await backend.failures());

    const firingFromMs = Date.now();
    const firing = startProgress(io.stderr, 'firing', 'transactions');
    const initiationFailures = new Map<string, number>();
    const ids: (string | null)[] = new Array<string | null>(args.count).fill(null);
    await forEachIndex(
      args.count,
      args.concurrency,
      (done) => firing.update(done, args.count),
      async (index) => {
        try {
          ids[index] = await backend.initiate(initiateInputOf(args, index, config.amountLimits), `simulate-${args.seed}-${index}`);
        } catch (error) {
          countFailure(initiationFailures, error);
        }
      },
    );
    firing.finish();
    const firingMs = Date.now() - firingFromMs;

    const deadlineMs = Date.now() + args.maxWaitS * 1_000;
    const states = new Map<string, TransactionState>();
    const initiated = ids.filter((id): id is string => id !== null);
    const waitedFromMs = Date.now();
    const waiting = startProgress(io.stderr, 'waiting for transactions in flight', 'settled');
    let waited = await settle(backend, initiated, states, deadlineMs, waiting, `simulate-${args.seed}`);

    const refundFailures = new Map<string, number>();
    const toRefund = ids.flatMap((id, index) =>
      id !== null && states.get(id)?.status === 'COMPLETED' && refundsTransaction(args, index) ? [id] : [],
    );
    if (toRefund.length > 0) {
      await forEachIndex(
        toRefund.length,
        args.concurrency,
        () => undefined,
        async (index) => {
          try {
            await backend.refund(toRefund[index]!, 'simulated refund', `simulate-${args.seed}-refund-${index}`);
          } catch (error) {
            countFailure(refundFailures, error);
          }
        },
      );
      const refunds = await settle(backend, toRefund, states, deadlineMs, waiting, `simulate-${args.seed}-refunds`);
      waited = {
        inFlight: refunds.inFlight,
        clockAdvancedMs: waited.clockAdvancedMs + refunds.clockAdvancedMs,
        firedTimers: waited.firedTimers + refunds.firedTimers,
      };
    }
    waiting.finish();
    const waitedMs = Date.now() - waitedFromMs;

    const outcomes = await foldOutcomes(backend, initiated);
    io.stdout.write(
      formatSummary({
        args,
        states: outcomes.states,
        initiationFailures,
        refundFailures,
        refundsRequested: toRefund.length - [...refundFailures.values()].reduce((sum, value) => sum + value, 0),
        firingMs,
        waitedMs,
        totalMs: Date.now() - startedAtMs,
        clockAdvancedMs: waited.clockAdvancedMs,
        firedTimers: waited.firedTimers,
        ledgerEntries: outcomes.ledgerEntries,
        violations: outcomes.violations,
        globalOverrides,
      }),
    );
    return initiationFailures.size === 0 && refundFailures.size === 0 && outcomes.violations.length === 0 ? 0 : 1;
  } finally {
    await backend.close();
  }
};

/** Runs work(0..count-1) with at most `concurrency` at once, reporting how many are done. */
async function forEachIndex(
  count: number,
  concurrency: number,
  onDone: (done: number) => void,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await work(index);
      done += 1;
      onDone(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function countFailure(failures: Map<string, number>, error: unknown): void {
  let message = describeError(error);
  if (!failures.has(message) && failures.size >= maxFailureMessages) message = 'other errors';
  failures.set(message, (failures.get(message) ?? 0) + 1);
}

/** The global failure settings that are set, in words ("successRate 0.5"). */
function overridesOf(settings: FailureSettings): string[] {
  const overrides: string[] = [];
  const note = (name: string, value: unknown, unset: unknown) => {
    if (value !== unset) overrides.push(`${name} ${String(value)}`);
  };
  note('successRate', settings.successRate, defaultFailureSettings.successRate);
  note('webhook.dropRate', settings.webhook.dropRate, defaultFailureSettings.webhook.dropRate);
  note('webhook.duplicateRate', settings.webhook.duplicateRate, defaultFailureSettings.webhook.duplicateRate);
  note('webhook.delayMs', settings.webhook.delayMs, defaultFailureSettings.webhook.delayMs);
  note('webhook.reorder', settings.webhook.reorder, defaultFailureSettings.webhook.reorder);
  note('refundFailureRate', settings.refundFailureRate, defaultFailureSettings.refundFailureRate);
  note('dropExpiryNotification', settings.dropExpiryNotification, defaultFailureSettings.dropExpiryNotification);
  note('gatewayLatencyMs', settings.gatewayLatencyMs, defaultFailureSettings.gatewayLatencyMs);
  note('redisDown', settings.redisDown, defaultFailureSettings.redisDown);
  return overrides;
}
