import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { buildMetadata, type StepError } from '@tracktrove/domain';
import {
  appendToStreams,
  decodeCursor,
  encodeCursor,
  pageSize,
  type EventStoreTables,
  type Page,
  type Queryable,
  type StreamAppend,
} from '@tracktrove/event-store';
import { scheduleTimer, type NewTimer, type Timer, type TimerTables } from '@tracktrove/timers';
import { backoffDelayMs, runBounded } from '@tracktrove/common';
import { NotFoundError } from './errors.ts';
import type { WebhookBody, WebhookType } from './webhook-body.ts';
import { signatureHeaderName, signWebhook } from '@tracktrove/webhooks';
import type { SimulatorTables } from './tables.ts';

export const webhookStreamPrefix = 'webhook-';
export const webhookTimerKind = 'webhook_delivery';
export const webhookDeliveryLimits = {
  maxAttempts: 5,
  retryBaseDelayMs: 1000,
  retryMaxDelayMs: 60_000,
  maxLoggedBodyChars: 4000,
  transportTimeoutMs: 10_000,
  /** Deliveries of one batch sent at once: a clock advance step's webhooks go together, so the receiving end writes them in fewer group-commit rounds. */
  concurrency: 32,
} as const;

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}
export interface WebhookResponse {
  readonly status: number;
  readonly body: string;
}
/** How a delivery reaches the receiver (the API passes one calling its own POST /api/webhooks/gateway). */
export type WebhookTransport = (request: WebhookRequest) => Promise<WebhookResponse>;

/** Failure injection decided once, when the delivery is scheduled, and recorded with it. */
export interface WebhookInjection {
  readonly dropped: boolean;
  /** This delivery repeats another one's webhook (same event id). */
  readonly duplicateOf: string | null;
  readonly extraDelayMs: number;
  readonly reason: string | null;
}

export interface DeliveryAttemptView {
  readonly attempt: number;
  readonly at: string;
  readonly request: WebhookRequest | null;
  readonly response: WebhookResponse | null;
  readonly status: number | null;
  readonly outcome: 'delivered' | 'failed' | 'dropped';
  readonly dropped: boolean;
  readonly error: string | null;
  readonly nextRetryAt: string | null;
}

export interface DeliveryView {
  readonly id: string;
  readonly webhookId: string;
  readonly transactionId: string;
  readonly type: WebhookType;
  readonly url: string;
  readonly status: 'scheduled' | 'delivered' | 'retrying' | 'failed' | 'dropped';
  readonly dueAt: string;
  readonly nextRetryAt: string | null;
  readonly injection: WebhookInjection;
  readonly attemptCount: number;
  readonly attempts: DeliveryAttemptView[];
  readonly createdAt: string;
}

const systemActor = { role: 'system', id: 'gateway' } as const;

export interface WebhookDeliveryInput {
  readonly ref: string;
  readonly body: WebhookBody;
  readonly url: string;
  /** Sandbox time of the first attempt. */
  readonly dueAt: Date;
  readonly injection: WebhookInjection;
  readonly now: Date;
  readonly correlationId: string;
  /** Default true: a webhook_delivery timer at dueAt makes the first attempt. */
  readonly withTimer?: boolean;
  /** The W3C `traceparent` the webhook carries (the transaction's trace). */
  readonly traceparent?: string | null;
}

/** A delivery as rows and events to write: its log row, WebhookDeliveryScheduled on webhook-<id>, its first timer. */
export interface WebhookDeliveryPlan {
  readonly deliveryId: string;
  readonly row: {
    readonly deliveryId: string;
    readonly ref: string;
    readonly webhookId: string;
    readonly transactionId: string;
    readonly type: WebhookType;
    readonly body: string;
    readonly url: string;
    readonly injection: WebhookInjection;
    readonly dueAt: string;
    readonly createdAt: string;
    readonly traceparent: string | null;
  };
  readonly append: StreamAppend;
  readonly timer: (NewTimer & { readonly id: string }) | null;
}

export function planWebhookDelivery(input: WebhookDeliveryInput, deliveryId: string = randomUUID()): WebhookDeliveryPlan {
  const body = JSON.stringify(input.body);
  return {
    deliveryId,
    row: {
      deliveryId,
      ref: input.ref,
      webhookId: input.body.id,
      transactionId: input.body.transactionId,
      type: input.body.type,
      body,
      url: input.url,
      injection: input.injection,
      dueAt: input.dueAt.toISOString(),
      createdAt: input.now.toISOString(),
      traceparent: input.traceparent ?? null,
    },
    append: {
      streamId: `${webhookStreamPrefix}${deliveryId}`,
      expectedVersion: 'no_stream',
      events: [
        {
          type: 'WebhookDeliveryScheduled',
          data: {
            deliveryId,
            webhookId: input.body.id,
            type: input.body.type,
            transactionId: input.body.transactionId,
            url: input.url,
            body,
            dueAt: input.dueAt.toISOString(),
            injection: input.injection,
            scheduledAt: input.now.toISOString(),
          },
          metadata: buildMetadata({
            actor: systemActor,
            correlationId: input.correlationId,
            step: 'WebhookDeliveryScheduled',
            service: 'webhooks',
            attempt: 0,
            traceparent: input.traceparent ?? null,
          }),
        },
      ],
    },
    timer:
      input.withTimer === false
        ? null
        : {
            id: randomUUID(),
            kind: webhookTimerKind,
            ref: `${deliveryId}:1`,
            transactionId: input.body.transactionId,
            dueAt: input.dueAt,
            payload: { deliveryId, attempt: 1 },
          },
  };
}

/**
 * Schedules a delivery (in the caller's transaction): the log row, WebhookDeliveryScheduled on
 * webhook-<deliveryId>, and a timer at dueAt (sandbox time). `ref` makes it idempotent: a second
 * call with the same ref schedules nothing and answers null. (Commands write the same plan in
 * their append's statement instead: see the application's command effects.)
 */
export async function scheduleWebhookDelivery<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  input: WebhookDeliveryInput,
): Promise<{ deliveryId: string; timer: Timer | null } | null> {
  const plan = planWebhookDelivery(input);
  const { row } = plan;
  const inserted = await sql<{ delivery_id: string }>`
    insert into tt_webhook_deliveries (delivery_id, ref, webhook_id, transaction_id, type, body, url, injection, status, due_at, created_at, traceparent)
    values (${row.deliveryId}, ${row.ref}, ${row.webhookId}, ${row.transactionId}, ${row.type}, ${row.body}, ${row.url},
            ${JSON.stringify(row.injection)}::jsonb, 'scheduled', ${row.dueAt}, ${row.createdAt}, ${row.traceparent})
    on conflict (ref) do nothing returning delivery_id`.execute(db);
  if (inserted.rows.length === 0) return null;
  await appendToStreams(db, [plan.append]);
  if (!plan.timer) return { deliveryId: plan.deliveryId, timer: null };
  const timer = await scheduleTimer(db, plan.timer);
  if (!timer) throw new Error(`delivery ${plan.deliveryId} already had a timer`);
  return { deliveryId: plan.deliveryId, timer };
}

interface DeliveryRow {
  delivery_id: string;
  webhook_id: string;
  transaction_id: string;
  type: WebhookType;
  body: string;
  url: string;
  injection: WebhookInjection;
  status: DeliveryView['status'];
  attempts: number;
  due_at: Date;
  next_retry_at: Date | null;
  created_at: Date;
  traceparent: string | null;
}

/** The deliveries in the order asked (NotFoundError for an unknown one). */
async function readDeliveries<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  deliveryIds: readonly string[],
): Promise<DeliveryRow[]> {
  const result = await sql<DeliveryRow>`select * from tt_webhook_deliveries where delivery_id = any(${[...deliveryIds]}::uuid[])`.execute(
    db,
  );
  const byId = new Map(result.rows.map((row) => [row.delivery_id, row]));
  return deliveryIds.map((deliveryId) => {
    const row = byId.get(deliveryId);
    if (!row) throw new NotFoundError('webhook delivery', deliveryId);
    return row;
  });
}

function clip(text: string): string {
  return text.length > webhookDeliveryLimits.maxLoggedBodyChars ? `${text.slice(0, webhookDeliveryLimits.maxLoggedBodyChars)}…` : text;
}

export interface DeliverOptions {
  readonly secret: string;
  readonly transport: WebhookTransport;
  /** Sandbox now (attempt times, next retry). */
  readonly now: () => Promise<Date>;
  /** Wall-clock unix seconds (the signature's timestamp is checked against the wall clock). */
  readonly wallClockSeconds?: () => number;
  /** Called with retry timers scheduled (after commit), e.g. to wake the in-process timer. */
  readonly onScheduled?: (timer: Timer) => void;
}

/**
 * One delivery attempt: dropped by injection (first attempt only, logged, never retried), or signed
 * and sent through the transport. Non-2xx or a transport error schedules the next attempt with
 * backoff, up to maxAttempts. Every attempt is logged: WebhookDeliveryAttempted plus its row.
 * An operator's redelivery (`manual`) is never dropped.
 */
export async function deliverWebhook<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  deliveryId: string,
  options: DeliverOptions & { manual?: boolean },
): Promise<DeliveryAttemptView> {
  const [view] = await deliverWebhooks(db, [deliveryId], options);
  return view!;
}

/**
 * Attempts of several deliveries (the webhook timers of one batch): read in one query, sent at
 * most webhookDeliveryLimits.concurrency at a time, and recorded together, one append of every
 * attempt event with their rows, statuses and retry timers in the same statement. Recording them
 * one by one is the fallback when the batch's record fails (a concurrent attempt of one of them).
 */
export async function deliverWebhooks<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  deliveryIds: readonly string[],
  options: DeliverOptions & { manual?: boolean },
): Promise<DeliveryAttemptView[]> {
  const deliveries = await readDeliveries(db, deliveryIds);
  const attempts: AttemptRecord[] = new Array(deliveries.length);
  await runBounded([...deliveries.keys()], webhookDeliveryLimits.concurrency, async (index) => {
    attempts[index] = await attemptDelivery(deliveries[index]!, options);
  });
  let retryTimers: (Timer | null)[];
  try {
    retryTimers = await recordAttempts(db, attempts);
  } catch {
    // One by one: an attempt whose number a concurrent attempt of the same delivery took (an
    // operator's redelivery beside the timer's) is numbered after it, and one that cannot be
    // recorded does not keep the others unrecorded.
    retryTimers = [];
    let failure: { error: unknown } | null = null;
    for (const [index, attempt] of attempts.entries()) {
      try {
        const recorded = await recordAttempt(db, attempt);
        attempts[index] = recorded.attempt;
        retryTimers.push(recorded.timer);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) {
      for (const timer of retryTimers) if (timer) options.onScheduled?.(timer);
      throw failure.error;
    }
  }
  for (const timer of retryTimers) if (timer) options.onScheduled?.(timer);
  return attempts.map((attempt) => attempt.view);
}

/** An attempt's number already recorded: a concurrent attempt of the same delivery committed it first. */
function isAttemptNumberTaken(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'tt_webhook_attempts_pkey';
}

/** How often an attempt is numbered again after concurrent attempts of its delivery. */
const maxRecordTries = 5;

/** One attempt recorded, numbered after the delivery's latest recorded attempt if a concurrent one took its number. */
async function recordAttempt<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  attempt: AttemptRecord,
): Promise<{ attempt: AttemptRecord; timer: Timer | null }> {
  for (let tries = 1; ; tries += 1) {
    try {
      const [timer] = await recordAttempts(db, [attempt]);
      return { attempt, timer: timer ?? null };
    } catch (error) {
      if (!isAttemptNumberTaken(error) || tries >= maxRecordTries) throw error;
      const [current] = await readDeliveries(db, [attempt.delivery.delivery_id]);
      attempt = renumbered(attempt, current!.attempts + 1);
    }
  }
}

/** The same attempt under another number: its retry, if any, is the one after it (within maxAttempts). */
function renumbered(attempt: AttemptRecord, number: number): AttemptRecord {
  const deliveryId = attempt.delivery.delivery_id;
  const retry = attempt.record.retryTimer !== null && number < webhookDeliveryLimits.maxAttempts;
  const nextRetryAt = retry ? attempt.view.nextRetryAt : null;
  const status = retry || attempt.view.outcome !== 'failed' ? attempt.record.status : 'failed';
  const retryTimer = retry
    ? {
        ...(attempt.record.retryTimer as Record<string, unknown>),
        ref: `${deliveryId}:${number + 1}`,
        payload: { deliveryId, attempt: number + 1 },
      }
    : null;
  return {
    ...attempt,
    view: { ...attempt.view, attempt: number, nextRetryAt },
    record: { ...attempt.record, attempt: number, status, nextRetryAt, retryTimer },
  };
}

interface AttemptRecord {
  readonly delivery: DeliveryRow;
  readonly view: DeliveryAttemptView;
  readonly record: Record<string, unknown> & { retryTimer: Record<string, unknown> | null; status: DeliveryView['status'] };
  readonly manual: boolean;
  /** The step's trace: how long the attempt took, and its error when it failed. */
  readonly durationMs: number;
  readonly error: StepError | null;
}

async function attemptDelivery(delivery: DeliveryRow, options: DeliverOptions & { manual?: boolean }): Promise<AttemptRecord> {
  const deliveryId = delivery.delivery_id;
  const attempt = delivery.attempts + 1;
  let request: WebhookRequest | null = null;
  let response: WebhookResponse | null = null;
  let error: string | null = null;
  let stepError: StepError | null = null;
  const dropped = delivery.injection.dropped && delivery.attempts === 0 && !options.manual;
  const startedAtMs = Date.now();
  if (!dropped) {
    const seconds = options.wallClockSeconds?.() ?? Math.floor(Date.now() / 1000);
    request = {
      url: delivery.url,
      headers: {
        'content-type': 'application/json',
        [signatureHeaderName]: signWebhook(options.secret, delivery.body, seconds),
        ...(delivery.traceparent ? { traceparent: delivery.traceparent } : {}),
      },
      body: delivery.body,
    };
    try {
      response = await withTimeout(options.transport(request), webhookDeliveryLimits.transportTimeoutMs);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      stepError = { message: error, stack: (caught instanceof Error && caught.stack) || `Error: ${error}` };
    }
  }
  const durationMs = Date.now() - startedAtMs;
  const now = await options.now();
  const delivered = response !== null && response.status >= 200 && response.status < 300;
  const outcome: DeliveryAttemptView['outcome'] = dropped ? 'dropped' : delivered ? 'delivered' : 'failed';
  const retry = outcome === 'failed' && !options.manual && attempt < webhookDeliveryLimits.maxAttempts;
  const nextRetryAt = retry
    ? new Date(
        now.getTime() +
          backoffDelayMs({
            attempt,
            baseDelayMs: webhookDeliveryLimits.retryBaseDelayMs,
            maxDelayMs: webhookDeliveryLimits.retryMaxDelayMs,
            random: 0.5,
          }),
      )
    : null;
  const status: DeliveryView['status'] =
    outcome === 'delivered' ? 'delivered' : outcome === 'dropped' ? 'dropped' : retry ? 'retrying' : 'failed';
  if (outcome === 'failed' && stepError === null) {
    const message = `the receiver answered ${response?.status ?? 'nothing'}`;
    stepError = { message, stack: `WebhookDeliveryError: ${message}\n    at webhooks.deliver (${delivery.url}, attempt ${attempt})` };
  }
  const view: DeliveryAttemptView = {
    attempt,
    at: now.toISOString(),
    request: request ? { ...request, body: clip(request.body) } : null,
    response: response ? { status: response.status, body: clip(response.body) } : null,
    status: response?.status ?? null,
    outcome,
    dropped,
    error,
    nextRetryAt: nextRetryAt?.toISOString() ?? null,
  };
  const record = {
    deliveryId,
    attempt,
    at: now.toISOString(),
    request: view.request,
    response: view.response,
    statusCode: view.status,
    outcome,
    dropped,
    error,
    status,
    nextRetryAt: nextRetryAt?.toISOString() ?? null,
    retryTimer: nextRetryAt
      ? {
          id: randomUUID(),
          ref: `${deliveryId}:${attempt + 1}`,
          transactionId: delivery.transaction_id,
          payload: { deliveryId, attempt: attempt + 1 },
        }
      : null,
  };
  return { delivery, view, record, manual: options.manual ?? false, durationMs, error: stepError };
}

/**
 * Attempts recorded in one statement: their WebhookDeliveryAttempted events, and beside the append
 * tt_record_webhook_attempt for each (the attempt row, the delivery's status, the next attempt's
 * timer). Answers each attempt's retry timer, or null.
 */
async function recordAttempts<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  attempts: readonly AttemptRecord[],
): Promise<(Timer | null)[]> {
  const appended = await appendToStreams(
    db,
    attempts.map(({ delivery, view, manual, durationMs, error }) => ({
      streamId: `${webhookStreamPrefix}${delivery.delivery_id}`,
      expectedVersion: 'stream_exists' as const,
      events: [
        {
          type: 'WebhookDeliveryAttempted',
          data: {
            deliveryId: delivery.delivery_id,
            webhookId: delivery.webhook_id,
            transactionId: delivery.transaction_id,
            manual,
            ...view,
          },
          metadata: buildMetadata({
            actor: systemActor,
            correlationId: delivery.transaction_id,
            step: 'WebhookDeliveryAttempted',
            service: 'webhooks',
            attempt: view.attempt,
            durationMs,
            error,
            traceparent: delivery.traceparent,
          }),
        },
      ],
    })),
    {
      alongside: sql`(select jsonb_agg(tt_record_webhook_attempt(r.value) order by r.ordinality)
                      from jsonb_array_elements(${JSON.stringify(attempts.map((attempt) => attempt.record))}::jsonb) with ordinality r)`,
    },
  );
  const scheduled = (appended.alongside ?? []) as ({ id: string; ref: string; dueAt: string; payload: Record<string, unknown> } | null)[];
  return attempts.map(({ delivery }, index) => {
    const timer = scheduled[index];
    return timer
      ? {
          id: timer.id,
          kind: webhookTimerKind,
          transactionId: delivery.transaction_id,
          ref: timer.ref,
          dueAt: new Date(timer.dueAt),
          payload: timer.payload,
          state: 'pending',
          firedBy: null,
          claims: 0,
        }
      : null;
  });
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`transport timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * The refs of the deliveries that sent these webhook ids (a webhook and its duplicate share an id,
 * and a ref names what the delivery is for), by webhook id. A webhook no delivery sent (posted by
 * hand) has none.
 */
export async function webhookRefsOf<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  webhookIds: readonly string[],
): Promise<Map<string, string>> {
  if (webhookIds.length === 0) return new Map();
  const { rows } = await sql<{ webhook_id: string; ref: string }>`
    select webhook_id, ref from tt_webhook_deliveries where webhook_id = any(${webhookIds}::text[])`.execute(db);
  return new Map(rows.map((row) => [row.webhook_id, row.ref]));
}

export interface ListDeliveriesOptions {
  readonly transactionId?: string;
  /** 1 to 500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** Sandbox times with the microseconds PostgreSQL keeps, as they go into and come out of a cursor. */
const cursorTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isCursorTime = (text: string) => cursorTimePattern.test(text) && new Date(text).toISOString().slice(0, 23) === text.slice(0, 23);

/**
 * The delivery log in the order deliveries were scheduled (created_at, then due_at, then id: none
 * of them ever changes, so paging is stable while deliveries are attempted), keyset-paged.
 */
export async function listDeliveries<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  options: ListDeliveriesOptions = {},
): Promise<Page<DeliveryView>> {
  const limit = pageSize(options.limit);
  const after = options.cursor
    ? decodeCursor(
        options.cursor,
        3,
        ([createdAt, dueAt, deliveryId]) => isCursorTime(createdAt!) && isCursorTime(dueAt!) && uuidPattern.test(deliveryId!),
      )
    : null;
  const deliveries = await sql<DeliveryRow & { created_key: string; due_key: string }>`
    select *, to_char(created_at at time zone 'UTC', ${cursorTimeFormat}) as created_key, to_char(due_at at time zone 'UTC', ${cursorTimeFormat}) as due_key
      from tt_webhook_deliveries
     where (${options.transactionId ?? null}::text is null or transaction_id = ${options.transactionId ?? null})
       ${after ? sql`and (created_at, due_at, delivery_id) > (${after[0]}::timestamptz, ${after[1]}::timestamptz, ${after[2]}::uuid)` : sql``}
     order by created_at, due_at, delivery_id limit ${limit + 1}`.execute(db);
  const page = deliveries.rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = deliveries.rows.length > limit && last ? encodeCursor([last.created_key, last.due_key, last.delivery_id]) : null;
  return { items: await deliveryViewsOf(db, page), nextCursor };
}

const cursorTimeFormat = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/** Delivery rows as views, each with its attempts (read in one query). */
async function deliveryViewsOf<DB extends SimulatorTables & TimerTables & EventStoreTables>(
  db: Queryable<DB>,
  deliveries: readonly DeliveryRow[],
): Promise<DeliveryView[]> {
  if (deliveries.length === 0) return [];
  const ids = deliveries.map((row) => row.delivery_id);
  const attempts = await sql<{
    delivery_id: string;
    attempt: number;
    at: Date;
    request: WebhookRequest | null;
    response: WebhookResponse | null;
    status_code: number | null;
    outcome: DeliveryAttemptView['outcome'];
    dropped: boolean;
    error: string | null;
    next_retry_at: Date | null;
  }>`select * from tt_webhook_attempts where delivery_id = any(${ids}::uuid[]) order by delivery_id, attempt`.execute(db);
  const byDelivery = new Map<string, DeliveryAttemptView[]>();
  for (const row of attempts.rows) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push({
      attempt: row.attempt,
      at: new Date(row.at).toISOString(),
      request: row.request,
      response: row.response,
      status: row.status_code,
      outcome: row.outcome,
      dropped: row.dropped,
      error: row.error,
      nextRetryAt: row.next_retry_at ? new Date(row.next_retry_at).toISOString() : null,
    });
    byDelivery.set(row.delivery_id, list);
  }
  return deliveries.map((row) => ({
    id: row.delivery_id,
    webhookId: row.webhook_id,
    transactionId: row.transaction_id,
    type: row.type,
    url: row.url,
    status: row.status,
    dueAt: new Date(row.due_at).toISOString(),
    nextRetryAt: row.next_retry_at ? new Date(row.next_retry_at).toISOString() : null,
    injection: row.injection,
    attemptCount: row.attempts,
    attempts: byDelivery.get(row.delivery_id) ?? [],
    createdAt: new Date(row.created_at).toISOString(),
  }));
}
