import { sql, type Kysely, type Migration } from 'kysely';
import { endpointEventTypeOfStored } from '@tracktrove/webhooks';

/** Stored event type -> delivery type, as SQL VALUES rows for the planning trigger. */
const typeRows = Object.entries(endpointEventTypeOfStored)
  .map(([stored, type]) => `('${stored}', '${type}')`)
  .join(', ');

/**
 * Every transaction event appended, by any path (commands, group commits, timers, webhook intake,
 * settlement, overrides), makes its deliveries in the statement that inserts it: one row per
 * enabled endpoint whose types include the event's, due at sandbox now. The endpoints are joined
 * here, so no cache can go stale, and a delivery commits with its event or not at all.
 */
const planDeliveriesFunction = `
create or replace function tt_plan_endpoint_deliveries() returns trigger
language plpgsql as $fn$
declare
  v_now timestamptz;
begin
  -- Most databases have no endpoint: one index probe, nothing else.
  if not exists (select 1 from tt_webhook_endpoints where enabled and deleted_at is null) then
    return null;
  end if;
  v_now := clock_timestamp() + make_interval(secs => coalesce((select offset_ms from tt_clock where id = 1), 0) / 1000.0);
  insert into tt_endpoint_deliveries (delivery_id, endpoint_id, event_id, transaction_id, stream_version, tx_id, seq, type,
                                      traceparent, status, next_attempt_at, created_at)
  select gen_random_uuid(), e.endpoint_id, n.event_id, substr(n.stream_id, 5), n.stream_version, n.tx_id::text, n.seq, m.type,
         n.metadata->>'traceparent', 'scheduled', v_now, v_now
    from new_events n
    join (values ${typeRows}) as m(stored, type) on m.stored = n.type
    join tt_webhook_endpoints e
      on e.enabled and e.deleted_at is null and (cardinality(e.event_types) = 0 or m.type = any (e.event_types))
   where n.stream_id like 'txn-%';
  return null;
end
$fn$`;

/**
 * - tt_webhook_endpoints: a developer's endpoints (the secret lives here only, never in an event);
 * - tt_endpoint_deliveries: one row per (event, endpoint), plus duplicates injected; the row is its
 *   own queue entry (due at next_attempt_at, sandbox time; leased while an attempt runs);
 * - tt_endpoint_attempts: every attempt, request and answer.
 */
export const endpointMigrations: Record<string, Migration> = {
  '0620-webhook-endpoints': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_webhook_endpoints (
          endpoint_id uuid primary key,
          url text not null,
          description text not null default '',
          event_types text[] not null default '{}',
          failures jsonb not null,
          enabled boolean not null default true,
          secret text not null,
          created_at timestamptz not null,
          updated_at timestamptz not null,
          deleted_at timestamptz
        )`.execute(db);
      await sql`create index tt_webhook_endpoints_enabled on tt_webhook_endpoints (endpoint_id) where enabled and deleted_at is null`.execute(
        db,
      );
      await sql`
        create table tt_endpoint_deliveries (
          delivery_id uuid primary key,
          endpoint_id uuid not null references tt_webhook_endpoints (endpoint_id),
          event_id uuid not null,
          transaction_id text not null,
          stream_version bigint not null,
          tx_id text not null,
          seq bigint not null,
          type text not null,
          traceparent text,
          duplicate_of uuid references tt_endpoint_deliveries (delivery_id),
          injected jsonb,
          body text,
          status text not null,
          attempts int not null default 0,
          max_attempts int,
          next_attempt_at timestamptz,
          lease_until timestamptz,
          created_at timestamptz not null
        )`.execute(db);
      await sql`create unique index tt_endpoint_deliveries_once on tt_endpoint_deliveries (event_id, endpoint_id) where duplicate_of is null`.execute(
        db,
      );
      await sql`create index tt_endpoint_deliveries_due on tt_endpoint_deliveries (next_attempt_at) where status in ('scheduled', 'retrying')`.execute(
        db,
      );
      await sql`create index tt_endpoint_deliveries_order on tt_endpoint_deliveries (created_at desc, delivery_id desc)`.execute(db);
      await sql`create index tt_endpoint_deliveries_endpoint on tt_endpoint_deliveries (endpoint_id, created_at desc)`.execute(db);
      await sql`create index tt_endpoint_deliveries_transaction on tt_endpoint_deliveries (transaction_id, created_at desc)`.execute(db);
      await sql`
        create table tt_endpoint_attempts (
          delivery_id uuid not null references tt_endpoint_deliveries (delivery_id),
          attempt int not null,
          at timestamptz not null,
          request jsonb not null,
          status_code int,
          response_body text not null default '',
          latency_ms int not null,
          error text,
          next_attempt_at timestamptz,
          primary key (delivery_id, attempt)
        )`.execute(db);
      await sql.raw(planDeliveriesFunction).execute(db);
      await sql`
        create trigger tt_events_plan_endpoint_deliveries after insert on tt_events
        referencing new table as new_events for each statement execute function tt_plan_endpoint_deliveries()`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await sql`drop trigger if exists tt_events_plan_endpoint_deliveries on tt_events`.execute(db);
      await sql`drop function if exists tt_plan_endpoint_deliveries()`.execute(db);
      await sql`drop table if exists tt_endpoint_attempts, tt_endpoint_deliveries, tt_webhook_endpoints`.execute(db);
    },
  },
};
