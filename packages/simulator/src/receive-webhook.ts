import { sql, type Transaction } from 'kysely';
import { ValidationError } from '@tracktrove/domain';
import { transact } from '@tracktrove/commands';
import { WebhookBodySchema, webhookLimits, type WebhookBody } from './webhook-body.ts';
import { verifyWebhookSignature } from '@tracktrove/webhooks';
import type { SimulatorTables } from './tables.ts';
import type { EventStoreTables, Queryable } from '@tracktrove/event-store';

export type ReceiveOutcome = 'processed' | 'ignored' | 'duplicate';

export interface ReceiveResult {
  readonly outcome: ReceiveOutcome;
  readonly webhookId: string;
  readonly transactionId: string;
  readonly type: WebhookBody['type'];
  /** Why an accepted webhook changed nothing (e.g. a confirmation after the hold expired). */
  readonly note: string | null;
  readonly version: number | null;
  readonly position: string | null;
}

/** What applying one verified webhook came to. */
export type AppliedWebhook = { outcome: 'processed' | 'ignored'; note: string | null; version: number | null; position: string | null };

/**
 * Applies verified webhooks in their receipts' transaction, one outcome per body in order: what it
 * came to, or the error it raised (NotFoundError for an unknown transaction), which rolls back that
 * webhook's receipt alone. A throw fails them all.
 */
export type WebhooksApplier<DB extends SimulatorTables & EventStoreTables = SimulatorTables & EventStoreTables> = (
  transaction: Transaction<DB>,
  bodies: readonly WebhookBody[],
) => Promise<readonly (AppliedWebhook | { error: unknown })[]>;

/** The signature (wall clock) and the body of a gateway webhook: its parsed body, or a ValidationError / WebhookSignatureError. */
export function verifyGatewayWebhook(
  input: { rawBody: string; signatureHeader: string | undefined | null },
  options: { secret: string; nowUnixSeconds?: number; toleranceS?: number },
): WebhookBody {
  if (Buffer.byteLength(input.rawBody, 'utf8') > webhookLimits.maxBodyBytes) {
    throw new ValidationError([{ path: 'body', message: `at most ${webhookLimits.maxBodyBytes} bytes` }]);
  }
  verifyWebhookSignature(
    options.secret,
    input.rawBody,
    input.signatureHeader,
    options.nowUnixSeconds ?? Math.floor(Date.now() / 1000),
    options.toleranceS,
  );
  let json: unknown;
  try {
    json = JSON.parse(input.rawBody);
  } catch {
    throw new ValidationError([{ path: 'body', message: 'not JSON' }]);
  }
  const parsed = WebhookBodySchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ path: ['body', ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
  return parsed.data;
}

/**
 * The receiving side for verified webhooks, several at once: in one transaction record each
 * webhook id (an id received before, or twice in the batch, is a duplicate and changes nothing),
 * apply the new ones together, and record what each came to. One result or error per body, in
 * order; a webhook whose applying failed leaves no receipt, so a redelivery is applied afresh.
 */
export async function receiveVerifiedWebhooks<DB extends SimulatorTables & EventStoreTables>(
  db: Queryable<DB>,
  bodies: readonly WebhookBody[],
  apply: WebhooksApplier<DB>,
): Promise<(ReceiveResult | { error: unknown })[]> {
  return transact(db, async (transaction) => {
    const { rows } = await sql<{ webhook_id: string }>`
      insert into tt_webhook_receipts (webhook_id, transaction_id, type, outcome)
      select webhook_id, transaction_id, type, 'received'
        from unnest(${bodies.map((body) => body.id)}::text[], ${bodies.map((body) => body.transactionId)}::text[], ${bodies.map((body) => body.type)}::text[])
             as u(webhook_id, transaction_id, type)
       order by webhook_id -- concurrent batches take their keys in one order
      on conflict (webhook_id) do nothing returning webhook_id`.execute(transaction);
    // Each id claimed here goes to its first body; any other body is a duplicate.
    const claimedIds = new Set(rows.map((row) => row.webhook_id));
    const claimed = bodies.map((body) => claimedIds.delete(body.id));
    const toApply = bodies.filter((_, index) => claimed[index]);
    const applied = toApply.length > 0 ? await apply(transaction, toApply) : [];
    if (applied.length !== toApply.length) throw new Error(`${toApply.length} webhooks applied with ${applied.length} outcomes`);
    const failed = toApply.filter((_, index) => 'error' in applied[index]!).map((body) => body.id);
    const recorded = toApply.flatMap((body, index) => {
      const outcome = applied[index]!;
      return 'error' in outcome ? [] : [{ id: body.id, outcome: outcome.outcome, note: outcome.note }];
    });
    if (failed.length > 0) await sql`delete from tt_webhook_receipts where webhook_id = any(${failed}::text[])`.execute(transaction);
    if (recorded.length > 0) {
      await sql`
        update tt_webhook_receipts r set outcome = u.outcome, note = u.note
          from unnest(${recorded.map((entry) => entry.id)}::text[], ${recorded.map((entry) => entry.outcome)}::text[], ${recorded.map((entry) => entry.note)}::text[])
               as u(webhook_id, outcome, note)
         where r.webhook_id = u.webhook_id`.execute(transaction);
    }
    let next = 0;
    return bodies.map((body, index): ReceiveResult | { error: unknown } => {
      const base = { webhookId: body.id, transactionId: body.transactionId, type: body.type };
      if (!claimed[index]) return { ...base, outcome: 'duplicate', note: 'webhook id already received', version: null, position: null };
      const outcome = applied[next++]!;
      return 'error' in outcome ? outcome : { ...base, ...outcome };
    });
  });
}

/** What became of a received webhook: its outcome and note, or null when it was never received (or its applying failed). */
export async function webhookReceiptOf<DB extends SimulatorTables & EventStoreTables>(
  db: Queryable<DB>,
  webhookId: string,
): Promise<{ outcome: ReceiveOutcome; note: string | null } | null> {
  const { rows } = await sql<{
    outcome: ReceiveOutcome;
    note: string | null;
  }>`select outcome, note from tt_webhook_receipts where webhook_id = ${webhookId}`.execute(db);
  return rows[0] ?? null;
}
