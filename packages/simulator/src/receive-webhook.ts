import { sql, type Kysely, type Transaction } from 'kysely';
import { ValidationError } from '@tracktrove/domain';
import { transact } from '@tracktrove/timers';
import { WebhookBodySchema, webhookLimits, type WebhookBody } from './webhook-body.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';

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

/** Applies a verified webhook in the receipt's transaction; throws NotFoundError for an unknown transaction. */
export type WebhookApplier = (
  transaction: Transaction<any>,
  body: WebhookBody,
) => Promise<{ outcome: 'processed' | 'ignored'; note: string | null; version: number | null; position: string | null }>;

/**
 * The receiving side: verify the signature (wall clock), parse, then in one transaction record the
 * webhook id (a duplicate id changes nothing) and apply it. Errors roll the receipt back too.
 */
export async function receiveGatewayWebhook(
  db: Kysely<any>,
  input: { rawBody: string; signatureHeader: string | undefined | null },
  options: { secret: string; apply: WebhookApplier; nowUnixSeconds?: number; toleranceS?: number },
): Promise<ReceiveResult> {
  if (Buffer.byteLength(input.rawBody, 'utf8') > webhookLimits.maxBodyBytes) {
    throw new ValidationError([{ path: 'body', message: `at most ${webhookLimits.maxBodyBytes} bytes` }]);
  }
  verifyWebhookSignature(options.secret, input.rawBody, input.signatureHeader, options.nowUnixSeconds ?? Math.floor(Date.now() / 1000), options.toleranceS);
  let json: unknown;
  try {
    json = JSON.parse(input.rawBody);
  } catch {
    throw new ValidationError([{ path: 'body', message: 'not JSON' }]);
  }
  const parsed = WebhookBodySchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((issue) => ({ path: `body.${issue.path.map(String).join('.')}`, message: issue.message })));
  }
  const body = parsed.data;
  return transact(db, async (transaction) => {
    const claimed = await sql`
      insert into tt_webhook_receipts (webhook_id, transaction_id, type, outcome) values (${body.id}, ${body.transactionId}, ${body.type}, 'received')
      on conflict (webhook_id) do nothing returning webhook_id`.execute(transaction);
    const base = { webhookId: body.id, transactionId: body.transactionId, type: body.type };
    if (claimed.rows.length === 0) return { ...base, outcome: 'duplicate', note: 'webhook id already received', version: null, position: null };
    const applied = await options.apply(transaction, body);
    await sql`update tt_webhook_receipts set outcome = ${applied.outcome}, note = ${applied.note} where webhook_id = ${body.id}`.execute(transaction);
    return { ...base, ...applied };
  });
}
