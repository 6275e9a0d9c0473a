import type { Transaction } from 'kysely';
import { InvalidTransitionError, validTraceparent } from '@tracktrove/domain';
import {
  receiveVerifiedWebhooks,
  verifyGatewayWebhook,
  webhookRefsOf,
  WebhookSignatureError,
  type AppliedWebhook,
  type ReceiveResult,
  type WebhookBody,
  type WebhooksApplier,
  type WebhookTransport,
} from '@tracktrove/simulator';
import { createGroupCommit, type BatchOutcome } from '@tracktrove/common';
import { system, type ApplicationContext } from './application-context.ts';
import type { CommandBus, TransactionRequest } from './command-bus.ts';
import { mergeApplied, noEffects, webhookSubjectOf, type Effects } from './command-effects.ts';
import { NotFoundError } from './errors.ts';
import { roundsOfDistinct } from './rounds-of-distinct.ts';
import type { TransactionResult } from './track-trove-api.ts';
import type { TrackTroveTables } from './tables.ts';

/** Group commit of gateway webhooks: up to 32 receipts and their commands in one transaction. */
export const webhookBatchLimits = { maxBatch: 32, maxInFlight: 2, maxQueued: 2_000 } as const;

/** The note of a webhook accepted without effect because its command was a no-op (a second confirmation). */
export const alreadyApplied = 'already applied';

export type ReceiveWebhook = (input: {
  rawBody: string;
  signatureHeader: string | undefined | null;
  /** The request's W3C `traceparent`: kept in the events' metadata when valid, ignored otherwise. */
  traceparent?: string | null;
}) => Promise<ReceiveResult>;

/** A verified webhook with the request's valid `traceparent`, if any. */
type TracedWebhook = WebhookBody & { readonly traceparent?: string | null };

/**
 * The command a verified webhook stands for, decided on the transaction it names. A webhook the
 * simulated gateway sent names, through its delivery, the hold or refund it is for: a confirmation
 * of a hold an override replaced confirms nothing (nor a refund outcome another refund).
 */
function webhookRequest(body: TracedWebhook, now: Date, subject: ReturnType<typeof webhookSubjectOf>): TransactionRequest {
  const at = now.toISOString();
  const holdId = subject && 'holdId' in subject ? { holdId: subject.holdId } : {};
  const refundId = subject && 'refundId' in subject ? { refundId: subject.refundId } : {};
  return {
    transactionId: body.transactionId,
    command: (state) => {
      if (state.status === 'NEW') throw new NotFoundError('transaction', body.transactionId);
      switch (body.type) {
        case 'payment.confirmed':
          return { type: 'ConfirmPayment', now: at, ...holdId };
        case 'refund.succeeded':
          return { type: 'CompleteRefund', outcome: 'succeeded', now: at, ...refundId };
        case 'refund.failed':
          return { type: 'CompleteRefund', outcome: 'failed', reason: 'the gateway could not refund (simulated)', now: at, ...refundId };
        case 'payment.failed':
          return [];
      }
    },
    context: {
      actor: system('gateway-webhook'),
      correlationId: body.transactionId,
      causationId: body.id,
      service: 'webhooks',
      traceparent: body.traceparent ?? null,
    },
  };
}

/** What a webhook's command did, as its receipt records it. */
function outcomeOf(
  context: ApplicationContext,
  body: WebhookBody,
  result: Pick<TransactionResult, 'version' | 'position' | 'appended'>,
  error: unknown,
): AppliedWebhook | { error: unknown } {
  const { version } = result;
  if (error instanceof InvalidTransitionError) {
    context.logger?.info(
      { webhookId: body.id, transactionId: body.transactionId, reason: error.message },
      'webhook accepted without effect',
    );
    return { outcome: 'ignored', note: error.message, version, position: null };
  }
  if (error !== undefined) return { error };
  if (body.type === 'payment.failed') {
    return {
      outcome: 'ignored',
      note: 'payment.failed is informational: declines are recorded when the gateway answers',
      version,
      position: null,
    };
  }
  const changed = result.appended.length > 0;
  return { outcome: changed ? 'processed' : 'ignored', note: changed ? null : alreadyApplied, version, position: result.position };
}

/**
 * Verified webhooks applied in their receipts' transaction, together: one read of their
 * transactions and one append for every command (a second webhook of one transaction goes in the
 * next round). The effects are those of the attempt that commits.
 */
function applyWebhooks(
  context: ApplicationContext,
  bus: CommandBus,
  now: Date,
  applied: { effects: Effects },
): WebhooksApplier<TrackTroveTables> {
  return async (transaction: Transaction<TrackTroveTables>, bodies: readonly TracedWebhook[]) => {
    applied.effects = noEffects();
    const outcomes: (AppliedWebhook | { error: unknown })[] = [];
    const refs = await webhookRefsOf(
      transaction,
      bodies.map((body) => body.id),
    );
    const subjectOf = (body: WebhookBody) => {
      const ref = refs.get(body.id);
      return ref === undefined ? null : webhookSubjectOf(ref);
    };
    for (const round of roundsOfDistinct(bodies, (body) => body.transactionId)) {
      const { batch, effects } = await bus.executeBatchIn(
        transaction,
        round.map(({ item }) => webhookRequest(item, now, subjectOf(item))),
        () => now,
        true,
      );
      applied.effects = mergeApplied(applied.effects, effects);
      round.forEach(({ item: body, index }, position) => {
        outcomes[index] = outcomeOf(context, body, batch.results[position]!, batch.errors[position]);
      });
    }
    return outcomes;
  };
}

/**
 * The receiving end of the gateway's webhooks: each is verified, then those received while earlier
 * ones are being applied go together (group-commit.ts); a failed batch is tried again one by one.
 */
export function createWebhookIntake(
  context: ApplicationContext,
  services: { bus: CommandBus; applyEffects: (effects: Effects) => Promise<void>; secret: string },
): ReceiveWebhook {
  const { db, clock } = context;
  async function receiveWebhooks(bodies: readonly TracedWebhook[]): Promise<BatchOutcome<ReceiveResult>[]> {
    // Read before the receipts' transaction (on PGlite's one connection a read beside it would wait
    // forever): the offset as last read, at most one sweep old and current after a move made here.
    const now = await clock.nowRecent();
    const applied = { effects: noEffects() };
    const results = await receiveVerifiedWebhooks(db, bodies, applyWebhooks(context, services.bus, now, applied));
    await services.applyEffects(applied.effects);
    return results.map((result) => ('error' in result ? { ok: false, error: result.error } : { ok: true, value: result }));
  }

  const submitWebhook = createGroupCommit<TracedWebhook, ReceiveResult>(webhookBatchLimits, async (bodies) => {
    try {
      return await receiveWebhooks(bodies);
    } catch (error) {
      if (bodies.length === 1) throw error;
      const outcomes: BatchOutcome<ReceiveResult>[] = [];
      for (const body of bodies) {
        try {
          outcomes.push(...(await receiveWebhooks([body])));
        } catch (single) {
          outcomes.push({ ok: false, error: single });
        }
      }
      return outcomes;
    }
  });

  return async (input) => {
    const body = verifyGatewayWebhook(input, { secret: services.secret });
    const traceparent = validTraceparent(input.traceparent);
    return submitWebhook(traceparent ? { ...body, traceparent } : body);
  };
}

/** The simulated gateway's way to the receiving end in this process: a call, answered as HTTP would answer it. */
export function inProcessTransport(receiveWebhook: ReceiveWebhook): WebhookTransport {
  return async (request) => {
    try {
      const result = await receiveWebhook({
        rawBody: request.body,
        signatureHeader: request.headers['TrackTrove-Signature'],
        traceparent: request.headers.traceparent,
      });
      return { status: 200, body: JSON.stringify(result) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const status = error instanceof WebhookSignatureError || code === 'validation_failed' ? 400 : code === 'not_found' ? 404 : 500;
      return { status, body: JSON.stringify({ code: code ?? 'internal', detail: error instanceof Error ? error.message : String(error) }) };
    }
  };
}
