import { sql } from 'kysely';
import { deliveryRetryLimits, nextAttemptDelayMs, type FaultPlan } from '@tracktrove/webhooks';
import type { EndpointRow } from './endpoint-view.ts';
import { EndpointNotFoundError } from './errors.ts';
import type { AttemptView, DeliveryRow, DeliveryStatus, InjectedFaults } from './delivery-view.ts';
import type { EndpointTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

/**
 * The deliveries' rows are their own queue: due when next_attempt_at (sandbox time) has come,
 * taken by a lease (wall-clock time) so that one process attempts each at a time. A process that
 * dies mid-attempt leaves its lease to run out, and the delivery is attempted again: at least once.
 */

export interface ClaimedDelivery {
  readonly delivery: DeliveryRow;
  /** Null when the endpoint is gone (deleted rows are kept, so only a bug makes this). */
  readonly endpoint: EndpointRow | null;
}

/** Takes up to `count` due deliveries, oldest due first, leased for leaseMs. */
export async function claimDueDeliveries<DB extends EndpointTables>(
  db: Queryable<DB>,
  options: { readonly now: Date; readonly count: number; readonly leaseMs: number },
): Promise<ClaimedDelivery[]> {
  if (options.count <= 0) return [];
  const { rows } = await sql<DeliveryRow & { endpoint: EndpointRow | null }>`
    with due as (
      select delivery_id from tt_endpoint_deliveries
       where status in ('scheduled', 'retrying') and next_attempt_at <= ${options.now.toISOString()}::timestamptz
         and (lease_until is null or lease_until < clock_timestamp())
       order by next_attempt_at
       limit ${options.count}
       for update skip locked),
    claimed as (
      update tt_endpoint_deliveries d set lease_until = clock_timestamp() + make_interval(secs => ${options.leaseMs}::int / 1000.0)
        from due where d.delivery_id = due.delivery_id
      returning d.*)
    select c.*, to_jsonb(e) as endpoint
      from claimed c left join tt_webhook_endpoints e on e.endpoint_id = c.endpoint_id
     order by c.next_attempt_at`.execute(db);
  return rows.map(({ endpoint, ...delivery }) => ({ delivery, endpoint }));
}

/** Whether any endpoint is enabled: without one, no append plans a delivery. */
export async function anyEndpointEnabled<DB extends EndpointTables>(db: Queryable<DB>): Promise<boolean> {
  const { rows } = await sql<{ enabled: boolean }>`
    select exists (select 1 from tt_webhook_endpoints where enabled and deleted_at is null) as enabled`.execute(db);
  return rows[0]?.enabled === true;
}

/** What planning a delivery decided: its faults (recorded) and what happens now. */
export type PlanOutcome = 'dropped' | 'delayed' | 'attempt_now';

/**
 * Records a delivery's faults and body when it is first due (in the caller's transaction): dropped
 * (never sent), delayed (due again after its delay, counted from its creation), or to be attempted
 * now. A duplicate is a delivery of its own, same event and body, due after its own delay.
 */
export async function recordPlanIn<DB extends EndpointTables>(
  trx: Queryable<DB>,
  delivery: DeliveryRow,
  plan: FaultPlan,
  body: string,
): Promise<{ outcome: PlanOutcome; injected: InjectedFaults; duplicateId: string | null }> {
  const injected = injectedOf(plan);
  const outcome = planOutcomeOf(plan);
  const createdAt = new Date(delivery.created_at);
  await sql`
    update tt_endpoint_deliveries
       set injected = ${JSON.stringify(injected)}::jsonb, body = ${body},
           status = ${outcome === 'dropped' ? 'dropped' : delivery.status},
           next_attempt_at = ${outcome === 'dropped' ? null : new Date(createdAt.getTime() + plan.delayMs).toISOString()}::timestamptz,
           lease_until = ${outcome === 'attempt_now' ? sql`lease_until` : sql`null`}
     where delivery_id = ${delivery.delivery_id}::uuid`.execute(trx);
  let duplicateId: string | null = null;
  if (plan.duplicate) {
    const duplicateInjected: InjectedFaults = {
      dropped: false,
      duplicateOf: delivery.delivery_id,
      delayMs: plan.duplicateDelayMs,
      reordered: plan.reordered,
      slow: false,
    };
    const { rows } = await sql<{ delivery_id: string }>`
      insert into tt_endpoint_deliveries (delivery_id, endpoint_id, event_id, transaction_id, stream_version, tx_id, seq, type, traceparent,
                                          duplicate_of, injected, body, status, next_attempt_at, created_at)
      select gen_random_uuid(), endpoint_id, event_id, transaction_id, stream_version, tx_id, seq, type, traceparent,
             delivery_id, ${JSON.stringify(duplicateInjected)}::jsonb, ${body}, 'scheduled',
             ${new Date(createdAt.getTime() + plan.duplicateDelayMs).toISOString()}::timestamptz, created_at
        from tt_endpoint_deliveries where delivery_id = ${delivery.delivery_id}::uuid
      returning delivery_id`.execute(trx);
    duplicateId = rows[0]?.delivery_id ?? null;
  }
  return { outcome, injected, duplicateId };
}

export const injectedOf = (plan: FaultPlan): InjectedFaults => ({
  dropped: plan.dropped,
  duplicateOf: null,
  delayMs: plan.delayMs,
  reordered: plan.reordered,
  slow: plan.slow,
});

export const planOutcomeOf = (plan: FaultPlan): PlanOutcome => (plan.dropped ? 'dropped' : plan.delayMs > 0 ? 'delayed' : 'attempt_now');

export interface AttemptRecord {
  readonly deliveryId: string;
  readonly at: Date;
  readonly request: AttemptView['request'];
  readonly status: number | null;
  readonly responseBody: string;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly delivered: boolean;
  /** False: no retry whatever the attempt count (a URL the policy refuses, an endpoint disabled). */
  readonly retryable: boolean;
  /** The faults and body decided for this first attempt, recorded with it. */
  readonly planned?: { readonly injected: InjectedFaults; readonly body: string };
}

/** The backoff of every attempt a delivery may make, by attempt number from 1 (null: none follows). */
function retrySchedule(deliveryId: string): (number | null)[] {
  return Array.from({ length: deliveryRetryLimits.maxAttemptsCeiling + 1 }, (_, attempt) =>
    attempt === 0 ? null : nextAttemptDelayMs({ deliveryId, attempt, maxAttempts: deliveryRetryLimits.maxAttemptsCeiling + 1 }),
  );
}

/**
 * Records attempts, each as its delivery's next (numbered from the row, under its lock), with its
 * outcome: delivered, retrying with the next attempt due after the backoff (sandbox time), or
 * failed once the delivery's attempts (8, or one more after a redelivery) are used up. The leases
 * go. One statement for all of them, in the caller's transaction.
 */
export async function recordAttemptsIn<DB extends EndpointTables>(
  trx: Queryable<DB>,
  records: readonly AttemptRecord[],
): Promise<{ attempt: number; status: DeliveryStatus; nextAttemptAt: Date | null }[]> {
  if (records.length === 0) return [];
  const input = records.map((record, index) => ({
    ord: index,
    deliveryId: record.deliveryId,
    at: record.at.toISOString(),
    request: record.request,
    status: record.status,
    responseBody: record.responseBody,
    latencyMs: record.latencyMs,
    error: record.error,
    delivered: record.delivered,
    retryable: record.retryable,
    injected: record.planned?.injected ?? null,
    body: record.planned?.body ?? null,
    schedule: record.delivered || !record.retryable ? [] : retrySchedule(record.deliveryId),
  }));
  const { rows } = await sql<{ ord: number; attempt: number; status: DeliveryStatus; next_attempt_at: Date | string | null }>`
    with r as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as r(
        ord int, "deliveryId" uuid, at timestamptz, request jsonb, status int, "responseBody" text, "latencyMs" int, error text,
        delivered boolean, retryable boolean, injected jsonb, body text, schedule jsonb)),
    locked as (
      select d.delivery_id, d.attempts + 1 as attempt, coalesce(d.max_attempts, ${deliveryRetryLimits.maxAttempts}) as max_attempts
        from tt_endpoint_deliveries d where d.delivery_id in (select "deliveryId" from r) order by d.delivery_id for update),
    decided as (
      select r.*, l.attempt,
             case when not r.delivered and r.retryable and l.attempt < l.max_attempts and (r.schedule->>l.attempt) is not null
                  then r.at + make_interval(secs => (r.schedule->>l.attempt)::numeric / 1000) end as next_attempt_at
        from r join locked l on l.delivery_id = r."deliveryId"),
    attempts as (
      insert into tt_endpoint_attempts (delivery_id, attempt, at, request, status_code, response_body, latency_ms, error, next_attempt_at)
      select "deliveryId", attempt, at, request, status, "responseBody", "latencyMs", error, next_attempt_at from decided),
    moved as (
      update tt_endpoint_deliveries d
         set attempts = x.attempt,
             status = case when x.delivered then 'delivered' when x.next_attempt_at is not null then 'retrying' else 'failed' end,
             next_attempt_at = x.next_attempt_at, lease_until = null,
             injected = coalesce(x.injected, d.injected), body = coalesce(x.body, d.body)
        from decided x where d.delivery_id = x."deliveryId"
      returning d.delivery_id, d.status)
    select x.ord, x.attempt, m.status, x.next_attempt_at from decided x join moved m on m.delivery_id = x."deliveryId" order by x.ord`.execute(
    trx,
  );
  if (rows.length !== records.length)
    throw new EndpointNotFoundError('endpoint delivery', records.map((record) => record.deliveryId).join(', '));
  return rows.map((row) => ({
    attempt: row.attempt,
    status: row.status,
    nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
  }));
}

/** Gives a lease back without an attempt (the process is stopping): the delivery is due again at once. */
export async function releaseLease<DB extends EndpointTables>(db: Queryable<DB>, deliveryId: string): Promise<void> {
  await sql`update tt_endpoint_deliveries set lease_until = null where delivery_id = ${deliveryId}::uuid`.execute(db);
}

/**
 * One more attempt of a delivery, due now, whatever its status: after it, no automatic retry. Its
 * recorded faults stay as they were; a dropped one is sent this time (faults are applied once, when
 * a delivery is first due).
 */
export async function redeliver<DB extends EndpointTables>(db: Queryable<DB>, deliveryId: string, now: Date): Promise<void> {
  const { rows } = await sql`
    update tt_endpoint_deliveries
       set status = case when attempts = 0 then 'scheduled' else 'retrying' end, next_attempt_at = ${now.toISOString()}::timestamptz,
           max_attempts = attempts + 1
     where delivery_id = ${deliveryId}::uuid
    returning delivery_id`.execute(db);
  if (rows.length === 0) throw new EndpointNotFoundError('endpoint delivery', deliveryId);
}

export const redeliverLimits = { maxPerCall: 10_000 } as const;

/** Every failed delivery of an endpoint created since `since`, one more attempt each, due now (at most redeliverLimits.maxPerCall). */
export async function redeliverFailedSince<DB extends EndpointTables>(
  db: Queryable<DB>,
  endpointId: string,
  since: string,
  now: Date,
): Promise<number> {
  const { rows } = await sql<{ count: string }>`
    with chosen as (
      select delivery_id from tt_endpoint_deliveries
       where endpoint_id = ${endpointId}::uuid and status = 'failed' and created_at >= ${since}::timestamptz
       order by created_at limit ${redeliverLimits.maxPerCall}),
    moved as (
      update tt_endpoint_deliveries d
         set status = 'retrying', next_attempt_at = ${now.toISOString()}::timestamptz, max_attempts = d.attempts + 1
        from chosen where d.delivery_id = chosen.delivery_id
      returning 1)
    select count(*) as count from moved`.execute(db);
  return Number(rows[0]?.count ?? 0);
}
