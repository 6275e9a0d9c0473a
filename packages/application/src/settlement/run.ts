import { sql, type Kysely } from 'kysely';
import {
  awaitsSettlement,
  buildMetadata,
  decide,
  eventSchemaVersions,
  formatAmount,
  traceSteps,
  type Actor,
  type Currency,
  type TransactionState,
} from '@tracktrove/domain';
import { EventIdConflictError, WrongExpectedVersionError, appendToStreams, type StreamAppend } from '@tracktrove/event-store';
import { isConflict, loadTransactions, transactionStreamId } from '@tracktrove/commands';
import { runBounded, uuidV5 } from '@tracktrove/common';
import { syncSettlementCandidate } from './candidates.ts';
import { settlementBatchId, settlementCutoff, settlementDateOf, settlementStreamPrefix } from './dates.ts';
import type { TrackTroveTables } from '../tables.ts';

export const settlementLimits = {
  /** Transactions per batch (one atomic multi-stream append; the store allows 500 streams). */
  maxBatchSize: 400,
  /** Candidates one run looks at; the next run takes the rest. */
  maxCandidatesPerRun: 20_000,
  maxAttemptsPerBatch: 8,
  /** Batches (of distinct vendors or currencies, so of distinct streams) settled at once. */
  concurrentBatches: 3,
  /**
   * Wall time after which a run starts no new batch (default): it answers with what it settled and
   * `complete: false`, and the next run takes the rest. Keeps a run over a large backlog within an
   * HTTP request's timeout and the schedule's tick short.
   */
  runBudgetMs: 10_000,
} as const;

export interface SettlementTotal {
  readonly currency: Currency;
  readonly amountMinor: number;
  readonly amount: string;
  readonly count: number;
}

export interface SettlementRunResult {
  readonly settlementDate: string;
  readonly batchIds: string[];
  readonly settledCount: number;
  readonly totals: SettlementTotal[];
  /** False when the run stopped at its time budget (or candidate limit) with candidates left: run again. */
  readonly complete: boolean;
}

interface Candidate {
  transaction_id: string;
  vendor_id: string;
  currency: string;
  amount_minor: string;
}

/**
 * Settles every COMPLETED transaction completed before the date's cut-off (settlementCutoff), per vendor and currency.
 * Each batch is one atomic multi-stream append: SettlementBatchCreated on settlement-<batchId> and
 * TransactionSettled on each transaction, with expected versions and deterministic ids. A rerun or
 * a concurrent run in another process settles nothing twice; a transaction that moved meanwhile is
 * left out and the batch retried without it.
 */
export async function runSettlement(
  db: Kysely<TrackTroveTables>,
  options: { now: Date; settlementDate?: string; cutoffHourUtc?: number; actor: Actor; correlationId: string; budgetMs?: number },
): Promise<SettlementRunResult> {
  const settlementDate = options.settlementDate ?? settlementDateOf(options.now);
  const cutoff = settlementCutoff(settlementDate, options.cutoffHourUtc);
  if (Number.isNaN(cutoff.getTime())) throw new Error(`bad settlement date ${settlementDate}`);
  const candidates = await sql<Candidate>`
    select transaction_id, vendor_id, currency, amount_minor from tt_settlement_candidates
    where completed_at < ${cutoff} order by vendor_id, currency, completed_at, transaction_id
    limit ${settlementLimits.maxCandidatesPerRun}`.execute(db);
  const groups = new Map<string, { vendorId: string; currency: string; ids: string[] }>();
  for (const row of candidates.rows) {
    const key = `${row.vendor_id}|${row.currency}`;
    const group = groups.get(key) ?? { vendorId: row.vendor_id, currency: row.currency, ids: [] };
    group.ids.push(row.transaction_id);
    groups.set(key, group);
  }
  const chunks = [...groups.values()].flatMap((group) => {
    const parts: Array<{ vendorId: string; currency: string; ids: string[] }> = [];
    for (let start = 0; start < group.ids.length; start += settlementLimits.maxBatchSize) {
      parts.push({ ...group, ids: group.ids.slice(start, start + settlementLimits.maxBatchSize) });
    }
    return parts;
  });
  const deadlineMs = Date.now() + (options.budgetMs ?? settlementLimits.runBudgetMs);
  const settledByChunk: Array<Array<{ batchId: string; totalMinor: number; count: number }>> = chunks.map(() => []);
  let complete = candidates.rows.length < settlementLimits.maxCandidatesPerRun;
  await runBounded(
    chunks.map((_, index) => index),
    settlementLimits.concurrentBatches,
    async (index) => {
      if (Date.now() >= deadlineMs) {
        complete = false;
        return;
      }
      const chunk = chunks[index]!;
      settledByChunk[index] = await settleBatch(db, { ...options, ...chunk, transactionIds: chunk.ids, settlementDate });
    },
  );
  const batchIds: string[] = [];
  const totals = new Map<string, { amountMinor: number; count: number }>();
  settledByChunk.forEach((settled, index) => {
    const { currency } = chunks[index]!;
    for (const batch of settled) {
      batchIds.push(batch.batchId);
      const total = totals.get(currency) ?? { amountMinor: 0, count: 0 };
      total.amountMinor += batch.totalMinor;
      total.count += batch.count;
      totals.set(currency, total);
    }
  });
  return {
    settlementDate,
    batchIds,
    settledCount: [...totals.values()].reduce((sum, total) => sum + total.count, 0),
    totals: [...totals].map(([currency, total]) => ({
      currency: currency as Currency,
      amountMinor: total.amountMinor,
      amount: formatAmount(total.amountMinor, currency as Currency),
      count: total.count,
    })),
    complete,
  };
}

async function settleBatch(
  db: Kysely<TrackTroveTables>,
  input: {
    vendorId: string;
    currency: string;
    transactionIds: string[];
    settlementDate: string;
    now: Date;
    actor: Actor;
    correlationId: string;
  },
): Promise<Array<{ batchId: string; totalMinor: number; count: number }>> {
  let remaining = [...input.transactionIds];
  // The vendor's batches of this date so far (an earlier run's, or another chunk's) took the first
  // sequence numbers, hence their batch ids: this batch takes the next one.
  const taken = await sql<{ count: string }>`
    select count(*) as count from tt_settlement_batches
     where vendor_id = ${input.vendorId} and currency = ${input.currency} and settlement_date = ${input.settlementDate}::date`.execute(db);
  let sequence = Number(taken.rows[0]?.count ?? 0);
  for (let attempt = 1; attempt <= settlementLimits.maxAttemptsPerBatch && remaining.length > 0; attempt += 1) {
    // Only transactions still waiting (another process may have settled some) and still COMPLETED.
    const waiting = await sql<{ transaction_id: string }>`
      select transaction_id from tt_settlement_candidates where transaction_id = any(${remaining}::text[])`.execute(db);
    const waitingIds = new Set(waiting.rows.map((row) => row.transaction_id));
    remaining = remaining.filter((id) => waitingIds.has(id));
    const states: TransactionState[] = [];
    const loaded = await loadTransactions(db, remaining);
    for (const id of remaining) {
      const state = loaded.get(id);
      if (state && awaitsSettlement(state)) states.push(state);
      else if (state) await syncSettlementCandidate(db, state);
    }
    if (states.length === 0) return [];
    const batchId = settlementBatchId(input.vendorId, input.currency, input.settlementDate, sequence);
    const totalMinor = states.reduce((sum, state) => sum + state.amountMinor, 0);
    const transactionIds = states.map((state) => state.transactionId);
    const nowIso = input.now.toISOString();
    const appends: StreamAppend[] = [
      {
        streamId: `${settlementStreamPrefix}${batchId}`,
        expectedVersion: 'no_stream',
        events: [
          {
            eventId: uuidV5(`${batchId}|SettlementBatchCreated`),
            type: 'SettlementBatchCreated',
            data: {
              batchId,
              vendorId: input.vendorId,
              settlementDate: input.settlementDate,
              transactionIds,
              totalMinor,
              currency: input.currency,
              createdAt: nowIso,
            },
            metadata: buildMetadata({
              actor: input.actor,
              correlationId: input.correlationId,
              step: 'SettlementBatchCreated',
              service: 'settlement',
            }),
          },
        ],
      },
    ];
    for (const state of states) {
      const events = decide({ type: 'Settle', batchId, settlementDate: input.settlementDate, now: nowIso }, state);
      const traced = traceSteps(state, events, { actor: input.actor, correlationId: input.correlationId, causationId: batchId });
      appends.push({
        streamId: transactionStreamId(state.transactionId),
        expectedVersion: state.version,
        events: traced.map(({ event, metadata }) => ({
          eventId: uuidV5(`${batchId}|${state.transactionId}|${event.type}`),
          type: event.type,
          schemaVersion: eventSchemaVersions[event.type],
          data: event.data,
          metadata: metadata as unknown as Record<string, unknown>,
        })),
      });
    }
    try {
      const replayed = await db.transaction().execute(async (transaction) => {
        const result = await appendToStreams(transaction, appends);
        // A concurrent run committed this very batch (same ids, same content): nothing to add.
        if (result.replayed) return true;
        await sql`
          insert into tt_settlement_batches (batch_id, vendor_id, currency, settlement_date, transaction_ids, total_minor, transaction_count, position, created_at)
          values (${batchId}, ${input.vendorId}, ${input.currency}, ${input.settlementDate}, ${JSON.stringify(transactionIds)}::jsonb,
                  ${totalMinor}, ${transactionIds.length}, ${result.position}, ${input.now})`.execute(transaction);
        await sql`delete from tt_settlement_candidates where transaction_id = any(${transactionIds}::text[])`.execute(transaction);
        return false;
      });
      return replayed ? [] : [{ batchId, totalMinor, count: transactionIds.length }];
    } catch (error) {
      // This batch id is taken (by a concurrent run, or another chunk): what is left goes into the
      // next one. Inside the transaction the store finds the batch's event id stored with other
      // content before it meets the stream's version.
      const batchTaken =
        (error instanceof WrongExpectedVersionError && error.streamId.startsWith(settlementStreamPrefix)) ||
        (error instanceof EventIdConflictError && error.eventIds.includes(appends[0]!.events[0]!.eventId!));
      if (batchTaken) {
        sequence += 1;
        continue;
      }
      // A transaction moved, or the database aborted the batch for a concurrent writer (deadlock,
      // serialization): reload and try again, like every other transaction of the timers.
      if (error instanceof EventIdConflictError || isConflict(error)) continue;
      throw error;
    }
  }
  return [];
}
