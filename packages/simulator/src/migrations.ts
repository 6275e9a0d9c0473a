import { sql, type Kysely, type Migration } from 'kysely';
import { deliveryEffectMigrations } from './delivery-effects.ts';
import { webhookSecretMigrations } from './webhook-secret.ts';

/**
 * - tt_failure_settings: the global failure-injection settings (one row);
 * - tt_webhook_deliveries / tt_webhook_attempts: the delivery log, written in the transaction that
 *   appends the delivery's events (webhook-<deliveryId> streams), or in its statement;
 * - tt_webhook_receipts: webhook event ids received, so duplicates change nothing;
 * - tt_webhook_secret: the webhook secret made for this database when WEBHOOK_SECRET is unset.
 */
export const simulatorMigrations: Record<string, Migration> = {
  '0400-simulator': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_failure_settings (
          id int primary key check (id = 1),
          settings jsonb not null,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`
        create table tt_webhook_deliveries (
          delivery_id uuid primary key,
          ref text not null unique,
          webhook_id text not null,
          transaction_id text not null,
          type text not null,
          body text not null,
          url text not null,
          injection jsonb not null,
          status text not null,
          attempts int not null default 0,
          due_at timestamptz not null,
          next_retry_at timestamptz,
          created_at timestamptz not null
        )`.execute(db);
      await sql`create index tt_webhook_deliveries_transaction on tt_webhook_deliveries (transaction_id, created_at)`.execute(db);
      await sql`
        create table tt_webhook_attempts (
          delivery_id uuid not null references tt_webhook_deliveries (delivery_id),
          attempt int not null,
          at timestamptz not null,
          request jsonb,
          response jsonb,
          status_code int,
          outcome text not null,
          dropped boolean not null,
          error text,
          next_retry_at timestamptz,
          primary key (delivery_id, attempt)
        )`.execute(db);
      await sql`
        create table tt_webhook_receipts (
          webhook_id text primary key,
          transaction_id text not null,
          type text not null,
          outcome text not null,
          note text,
          received_at timestamptz not null default now()
        )`.execute(db);
    },
  },
  '0510-webhook-attempt-record': {
    async up(db: Kysely<unknown>) {
      await sql.raw(recordAttemptFunction).execute(db);
    },
  },
  // The delivery log pages by its order (keyset): an index on it, so a page reads its own rows
  // only. One transaction's few deliveries come by tt_webhook_deliveries_transaction.
  '0540-webhook-deliveries-order': {
    async up(db: Kysely<unknown>) {
      await sql`create index tt_webhook_deliveries_order on tt_webhook_deliveries (created_at, due_at, delivery_id)`.execute(db);
    },
  },
  // A received webhook is looked up by its id to find what it is for (webhookSubjectsOf).
  '0550-webhook-deliveries-by-webhook-id': {
    async up(db: Kysely<unknown>) {
      await sql`create index tt_webhook_deliveries_webhook on tt_webhook_deliveries (webhook_id)`.execute(db);
    },
  },
  // The W3C traceparent each webhook carries: the transaction's trace (null for deliveries from before it).
  '0590-webhook-delivery-traceparent': {
    async up(db: Kysely<unknown>) {
      await sql`alter table tt_webhook_deliveries add column traceparent text`.execute(db);
    },
  },
  ...webhookSecretMigrations,
  ...deliveryEffectMigrations,
};

/**
 * tt_record_webhook_attempt(record) writes one delivery attempt beside its WebhookDeliveryAttempted
 * event: the attempt row, the delivery's status, and the next attempt's timer when one is due
 * (answered as JSON, or null).
 */
const recordAttemptFunction = `
create function tt_record_webhook_attempt(p jsonb) returns jsonb
language plpgsql as $fn$
declare
  v_timer jsonb := null;
begin
  insert into tt_webhook_attempts (delivery_id, attempt, at, request, response, status_code, outcome, dropped, error, next_retry_at)
  values ((p->>'deliveryId')::uuid, (p->>'attempt')::int, (p->>'at')::timestamptz, nullif(p->'request', 'null'::jsonb), nullif(p->'response', 'null'::jsonb),
          (p->>'statusCode')::int, p->>'outcome', (p->>'dropped')::boolean, p->>'error', (p->>'nextRetryAt')::timestamptz);
  update tt_webhook_deliveries set attempts = (p->>'attempt')::int, status = p->>'status', next_retry_at = (p->>'nextRetryAt')::timestamptz
   where delivery_id = (p->>'deliveryId')::uuid;
  if jsonb_typeof(p->'retryTimer') = 'object' then
    insert into tt_timers (id, kind, transaction_id, ref, due_at, payload)
    values ((p->'retryTimer'->>'id')::uuid, 'webhook_delivery', p->'retryTimer'->>'transactionId', p->'retryTimer'->>'ref',
            (p->>'nextRetryAt')::timestamptz, p->'retryTimer'->'payload')
    on conflict (kind, ref) do nothing;
    if found then
      v_timer := jsonb_build_object('id', p->'retryTimer'->'id', 'ref', p->'retryTimer'->'ref', 'dueAt', p->'nextRetryAt', 'payload', p->'retryTimer'->'payload');
    end if;
  end if;
  return v_timer;
end
$fn$`;
