import { createGroupCommit, type BatchOutcome } from '@tracktrove/common';
import type { FaultPlan } from '@tracktrove/webhooks';
import { recordAttemptsIn, recordPlanIn, type AttemptRecord } from './delivery-queue.ts';
import type { DeliveryRow, DeliveryStatus } from './delivery-view.ts';
import type { EndpointTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

export const deliveryWriterLimits = {
  /** Writes in one transaction (attempts finishing together share one commit). */
  maxBatch: 64,
  /** Transactions being written at once. */
  maxInFlight: 2,
} as const;

export interface DeliveryWriter {
  /** A delivery's faults and body, before anything is sent (a drop, a delay or a duplicate). */
  plan(delivery: DeliveryRow, plan: FaultPlan, body: string): ReturnType<typeof recordPlanIn>;
  attempt(record: AttemptRecord): Promise<{ attempt: number; status: DeliveryStatus; nextAttemptAt: Date | null }>;
}

type Write =
  | { readonly kind: 'plan'; readonly delivery: DeliveryRow; readonly plan: FaultPlan; readonly body: string }
  | { readonly kind: 'attempt'; readonly record: AttemptRecord };

/** Plans one by one (they are rare), then every attempt in one statement, all in the caller's transaction. */
async function writeIn<DB extends EndpointTables>(trx: Queryable<DB>, batch: readonly Write[]): Promise<unknown[]> {
  const results: unknown[] = new Array(batch.length);
  const attemptIndexes: number[] = [];
  for (const [index, item] of batch.entries()) {
    if (item.kind === 'plan') results[index] = await recordPlanIn(trx, item.delivery, item.plan, item.body);
    else attemptIndexes.push(index);
  }
  const recorded = await recordAttemptsIn(
    trx,
    attemptIndexes.map((index) => (batch[index] as Extract<Write, { kind: 'attempt' }>).record),
  );
  for (const [position, index] of attemptIndexes.entries()) results[index] = recorded[position];
  return results;
}

/**
 * The dispatcher's writes, group-committed: those that arrive while a batch is being written go
 * together in the next one, one transaction. A batch that fails is written again one by one, so
 * one bad write fails alone.
 */
export function createDeliveryWriter<DB extends EndpointTables>(db: Queryable<DB>, maxQueued: number): DeliveryWriter {
  const writeTogether = async (writes: readonly Write[]): Promise<BatchOutcome<unknown>[]> => {
    try {
      const values = await db.transaction().execute((trx) => writeIn(trx, writes));
      return values.map((value) => ({ ok: true as const, value }));
    } catch {
      const outcomes: BatchOutcome<unknown>[] = [];
      for (const item of writes) {
        try {
          const [value] = await db.transaction().execute((trx) => writeIn(trx, [item]));
          outcomes.push({ ok: true, value });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      return outcomes;
    }
  };
  const write = createGroupCommit<Write, unknown>({ ...deliveryWriterLimits, maxQueued }, writeTogether);
  return {
    plan: (delivery, plan, body) => write({ kind: 'plan', delivery, plan, body }) as ReturnType<typeof recordPlanIn>,
    attempt: (record) => write({ kind: 'attempt', record }) as ReturnType<DeliveryWriter['attempt']>,
  };
}
