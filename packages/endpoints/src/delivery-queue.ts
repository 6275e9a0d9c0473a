import { sql, type Kysely } from 'kysely';
import { deliveryRetryLimits, nextAttemptDelayMs, type FaultPlan } from '@tracktrove/webhooks';
import type { EndpointRow } from './endpoint-view.ts';
import { EndpointNotFoundError } from './errors.ts';
import type { AttemptView, DeliveryRow, DeliveryStatus, InjectedFaults } from './delivery-view.ts';

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
export async function claimDueDeliveries(
  db: Kysely<any>,
  options: { readonly now: Date; readonly count: number; readonly leaseMs: number },
): Promise<ClaimedDelivery[]> {
  if (options.count <= 0) return [];
  const { rows } = await sql<DeliveryRow>`
    with due as (
      select delivery_id from tt_endpoint_deliveries
       where status in ('scheduled', 'retrying') and next_attempt_at <= ${options.now.toISOString()}::timestamptz
         and (lease_until is null or lease_until < clock_timestamp())
       order by next_attempt_at
       limit ${options.count}
       for update skip locked)
    update tt_endpoint_deliveries d set lease_until = clock_timestamp() + make_interval(secs => ${options.leaseMs}::int / 1000.0)
      from due where d.delivery_id = due.delivery_id
    returning d.*`.execute(db);
  if (rows.length === 0) return [];
  const endpointIds = [...new Set(rows.map((row) => row.endpoint_id))];
  const endpoints = await sql<EndpointRow>`select * from tt_webhook_endpoints where endpoint_id = any (${endpointIds}::uuid[])`.execute(db);
  const byId = new Map(endpoints.rows.map((row) => [row.endpoint_id, row]));
  return rows
    .sort((a, b) => new Date(a.next_attempt_at!).getTime() - new Date(b.next_attempt_at!).getTime())
    .map((delivery) => ({ delivery, endpoint: byId.get(delivery.endpoint_id) ?? null }));
}

/** What planning a delivery decided: its faults (recorded) and what happens now. */
export type PlanOutcome = 'dropped' | 'delayed' | 'attempt_now';

/**
 * Records a delivery's faults and body when it is first due: dropped (never sent), delayed (due
 * again after its delay, counted from its creation), or to be attempted now. A duplicate is a
 * delivery of its own, same event and body, due after its own delay. One transaction.
 */
export async function recordPlan(
  db: Kysely<any>,
  delivery: DeliveryRow,
  plan: FaultPlan,
  body: string,
): Promise<{ outcome: PlanOutcome; injected: InjectedFaults; duplicateId: string | null }> {
  const injected: InjectedFaults = {
    dropped: plan.dropped,
    duplicateOf: null,
    delayMs: plan.delayMs,
    reordered: plan.reordered,
    slow: plan.slow,
  };
  const outcome: PlanOutcome = plan.dropped ? 'dropped' : plan.delayMs > 0 ? 'delayed' : 'attempt_now';
  const createdAt = new Date(delivery.created_at);
  return db.transaction().execute(async (trx) => {
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
  });
}

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
}

/**
 * Records an attempt as the delivery's next (numbered under the row's lock), and its outcome:
 * delivered, retrying with the next attempt due after the backoff (sandbox time), or failed once
 * the attempts are used up. The lease goes.
 */
export async function recordAttempt(
  db: Kysely<any>,
  record: AttemptRecord,
): Promise<{ attempt: number; status: DeliveryStatus; nextAttemptAt: Date | null }> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ attempts: number; max_attempts: number | null }>`
      select attempts, max_attempts from tt_endpoint_deliveries where delivery_id = ${record.deliveryId}::uuid for update`.execute(trx);
    const row = rows[0];
    if (!row) throw new EndpointNotFoundError('endpoint delivery', record.deliveryId);
    const attempt = row.attempts + 1;
    const delayMs =
      record.delivered || !record.retryable
        ? null
        : nextAttemptDelayMs({
            deliveryId: record.deliveryId,
            attempt,
            maxAttempts: row.max_attempts ?? deliveryRetryLimits.maxAttempts,
          });
    const nextAttemptAt = delayMs === null ? null : new Date(record.at.getTime() + delayMs);
    const status: DeliveryStatus = record.delivered ? 'delivered' : nextAttemptAt ? 'retrying' : 'failed';
    await sql`
      insert into tt_endpoint_attempts (delivery_id, attempt, at, request, status_code, response_body, latency_ms, error, next_attempt_at)
      values (${record.deliveryId}::uuid, ${attempt}, ${record.at.toISOString()}, ${JSON.stringify(record.request)}::jsonb, ${record.status},
              ${record.responseBody}, ${record.latencyMs}, ${record.error}, ${nextAttemptAt?.toISOString() ?? null}::timestamptz)`.execute(
      trx,
    );
    await sql`
      update tt_endpoint_deliveries
         set attempts = ${attempt}, status = ${status}, next_attempt_at = ${nextAttemptAt?.toISOString() ?? null}::timestamptz, lease_until = null
       where delivery_id = ${record.deliveryId}::uuid`.execute(trx);
    return { attempt, status, nextAttemptAt };
  });
}

/** Gives a lease back without an attempt (the process is stopping): the delivery is due again at once. */
export async function releaseLease(db: Kysely<any>, deliveryId: string): Promise<void> {
  await sql`update tt_endpoint_deliveries set lease_until = null where delivery_id = ${deliveryId}::uuid`.execute(db);
}

/**
 * One more attempt of a delivery, due now, whatever its status: after it, no automatic retry. Its
 * recorded faults stay as they were; a dropped one is sent this time (faults are applied once, when
 * a delivery is first due).
 */
export async function redeliver(db: Kysely<any>, deliveryId: string, now: Date): Promise<void> {
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
export async function redeliverFailedSince(db: Kysely<any>, endpointId: string, since: string, now: Date): Promise<number> {
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
