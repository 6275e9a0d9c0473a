import { randomUUID } from 'node:crypto';
import {
  decide,
  initialState,
  InvalidTransitionError,
  traceparentAt,
  transactionStreamId,
  validTraceparent,
  type Actor,
} from '@tracktrove/domain';
import { deliverWebhook, scheduleWebhookDelivery, webhookReceiptOf, type DeliverOptions, type WebhookBody } from '@tracktrove/simulator';
import { loadTransaction, loadTransactionWithPosition, runIdempotentAround, transact, VersionMismatchError } from '@tracktrove/commands';
import type { ApplicationContext } from './application-context.ts';
import { manualConfirmationRef } from './command-effects.ts';
import { NotFoundError } from './errors.ts';
import type { CommandOptions, TransactionResult } from './track-trove-api.ts';
import { alreadyApplied } from './webhook-intake.ts';

async function currentResult(context: ApplicationContext, transactionId: string): Promise<TransactionResult> {
  const current = await loadTransactionWithPosition(context.db, transactionId);
  if (!current) throw new NotFoundError('transaction', transactionId);
  return {
    streamId: transactionStreamId(transactionId),
    state: current.state,
    version: current.state.version,
    position: current.position,
    appended: [],
    replayed: false,
  };
}

/** The gateway's confirmation now, delivered through the webhook path so it shows in the delivery log. */
async function confirmNow(
  context: ApplicationContext,
  deliverOptions: DeliverOptions,
  transactionId: string,
  actor: Actor,
  commandOptions: CommandOptions | undefined,
): Promise<TransactionResult> {
  const { db, clock } = context;
  const state = await loadTransaction(db, transactionId);
  if (!state) throw new NotFoundError('transaction', transactionId);
  if (commandOptions?.expectedVersion !== undefined && commandOptions.expectedVersion !== state.version) {
    throw new VersionMismatchError(transactionStreamId(transactionId), commandOptions.expectedVersion, state.version);
  }
  const now = await clock.now();
  if (decide({ type: 'ConfirmPayment', now: now.toISOString() }, state).length === 0) return currentResult(context, transactionId);
  const ref = manualConfirmationRef(randomUUID(), commandOptions?.expectedVersion !== undefined ? (state.hold?.holdId ?? null) : null);
  const body: WebhookBody = { id: `evt_${randomUUID()}`, type: 'payment.confirmed', transactionId, createdAt: now.toISOString() };
  const scheduled = await transact(db, (transaction) =>
    scheduleWebhookDelivery(transaction, {
      ref,
      body,
      url: context.webhookUrl,
      dueAt: now,
      now,
      correlationId: transactionId,
      withTimer: false,
      // The request's trace when it sent one, else the transaction's (with its current event's span as parent).
      traceparent: validTraceparent(commandOptions?.traceparent) ?? traceparentAt(state, state.version),
      injection: { dropped: false, duplicateOf: null, extraDelayMs: 0, reason: `confirmed by ${actor.role} ${actor.id}` },
    }),
  );
  if (!scheduled) throw new Error('manual confirmation was not scheduled');
  const attempt = await deliverWebhook(db, scheduled.deliveryId, deliverOptions);
  if (attempt.outcome !== 'delivered') {
    throw Object.assign(new Error(`the confirmation webhook was not accepted (${attempt.status ?? attempt.error}); it will be retried`), {
      code: 'unavailable',
    });
  }
  const result = await currentResult(context, transactionId);
  // A command that came first (a refund, the hold's expiry) made the confirmation invalid: it is
  // refused, as it would be after that command, not answered as if it had posted the hold.
  const receipt = await webhookReceiptOf(db, body.id);
  // With If-Match, a confirmation that changed nothing (even one another confirmation made first) saw a version that is gone.
  if (receipt?.outcome === 'ignored' && commandOptions?.expectedVersion !== undefined) {
    throw new VersionMismatchError(transactionStreamId(transactionId), commandOptions.expectedVersion, result.version);
  }
  if (receipt?.outcome === 'ignored' && receipt.note !== alreadyApplied) {
    throw new InvalidTransitionError({
      from: result.state.status,
      to: 'COMPLETED',
      command: 'ConfirmPayment',
      reason: receipt.note ?? 'the confirmation changed nothing',
    });
  }
  return result;
}

/**
 * An operator's confirmation: the gateway's confirmation webhook, sent now. It commits through the
 * webhook path, in transactions of its own, so an idempotency key is stored after it rather than
 * with it; confirming a confirmed transaction changes nothing.
 */
export async function confirmManually(
  context: ApplicationContext,
  deliverOptions: DeliverOptions,
  transactionId: string,
  actor: Actor,
  commandOptions: CommandOptions | undefined,
): Promise<TransactionResult> {
  const idempotency = commandOptions?.idempotency;
  if (!idempotency) return confirmNow(context, deliverOptions, transactionId, actor, commandOptions);
  let confirmed: TransactionResult | undefined;
  const { result: stored, replayed } = await runIdempotentAround(context.db, idempotency, async () => {
    confirmed = await confirmNow(context, deliverOptions, transactionId, actor, commandOptions);
    return { version: confirmed.version, position: confirmed.position };
  });
  if (!replayed && confirmed) return confirmed;
  const state = (await loadTransaction(context.db, transactionId, stored.version)) ?? initialState();
  return {
    streamId: transactionStreamId(transactionId),
    state,
    version: stored.version,
    position: stored.position,
    appended: [],
    replayed: true,
  };
}
