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
  type LedgerViolation,
  type TransactionState,
} from '@tracktrove/domain';
import {
  EventIdConflictError,
  WrongExpectedVersionError,
  appendToStreams,
  decodeCursor,
  encodeCursor,
  isPosition,
  pageSize,
  type Page,
  type StreamAppend,
} from '@tracktrove/event-store';
import { isConflict, loadTransactions, transactionStreamId, transactionStreamPrefix } from '@tracktrove/commands';
import { runBounded, uuidV5 } from '@tracktrove/common';

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

export const settlementStreamPrefix = 'settlement-';

/**
 * T+1 with a daily cut-off hour (UTC): what completed on day T before the cut-off settles on T+1,
 * what completed after it on T+2. So a settlement date settles what completed before the cut-off
 * of the day before it; hour 0 is midnight at the end of that day, 00:00 UTC of the date itself.
 */
export function settlementCutoff(settlementDate: string, cutoffHourUtc = 0): Date {
  if (!Number.isInteger(cutoffHourUtc) || cutoffHourUtc < 0 || cutoffHourUtc > 23)
    throw new RangeError(`bad cut-off hour ${cutoffHourUtc}`);
  const midnightMs = Date.parse(`${settlementDate}T00:00:00.000Z`);
  return new Date(midnightMs - ((24 - cutoffHourUtc) % 24) * 3_600_000);
}

export function settlementDateOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Deterministic: every process computes the same id for the same vendor, currency, date and sequence. */
export function settlementBatchId(vendorId: string, currency: string, settlementDate: string, sequence: number): string {
  return uuidV5(`settlement|${vendorId}|${currency}|${settlementDate}|${sequence}`);
}

/**
 * Keeps the candidate table in step with a transaction's state, if that state is still the
 * stream's: a state read before a later command (a run that read a pending refund, which has
 * failed since and put the candidate back) must not undo that command's own change.
 */
export async function syncSettlementCandidate(db: Kysely<any>, state: TransactionState): Promise<void> {
  const stillCurrent = sql`exists (select 1 from tt_streams where stream_id = ${transactionStreamId(state.transactionId)} and version = ${state.version})`;
  if (awaitsSettlement(state)) {
    await sql`
      insert into tt_settlement_candidates (transaction_id, vendor_id, currency, amount_minor, completed_at)
      select ${state.transactionId}, ${state.vendorId}, ${state.currency}, ${state.amountMinor}, ${new Date(state.completedAt)} where ${stillCurrent}
      on conflict (transaction_id) do update set completed_at = excluded.completed_at`.execute(db);
  } else {
    await sql`delete from tt_settlement_candidates where transaction_id = ${state.transactionId} and ${stillCurrent}`.execute(db);
  }
}

export interface CandidateSync {
  /** Each known transaction: whether it is a settlement candidate now. */
  readonly items: Array<{ readonly transactionId: string; readonly awaitsSettlement: boolean }>;
  /** Ids no transaction has. */
  readonly unknown: string[];
}

/**
 * Puts the given transactions' settlement candidates right from their states (after verify
 * reported `settlement_candidates`): a completed payment awaiting settlement becomes a candidate
 * with its completion time, anything else stops being one. A transaction written meanwhile keeps
 * what its own command wrote (syncSettlementCandidate).
 */
export async function syncSettlementCandidates(db: Kysely<any>, transactionIds: readonly string[]): Promise<CandidateSync> {
  const loaded = await loadTransactions(db, transactionIds);
  const items: CandidateSync['items'] = [];
  const unknown: string[] = [];
  for (const id of transactionIds) {
    const state = loaded.get(id);
    if (!state || state.status === 'NEW') {
      unknown.push(id);
      continue;
    }
    await syncSettlementCandidate(db, state);
    items.push({ transactionId: id, awaitsSettlement: awaitsSettlement(state) });
  }
  return { items, unknown };
}

const candidateCheckChunk = 1_000;
const candidateRepair = '(POST /api/admin/settlement/candidates/sync puts it right)';

/**
 * The settlement candidates against the transactions' states (a fold of their streams): a
 * completed payment that awaits settlement is a candidate, with its completion time, and nothing
 * else is; a missing candidate is money no T+1 run would ever pay out. A transaction whose stream
 * has moved on since its state was folded is left out (its candidate changed with it); the stream
 * versions and the candidates are read in one statement.
 */
export async function settlementCandidateViolations(
  db: Kysely<any>,
  states: ReadonlyMap<string, TransactionState>,
): Promise<LedgerViolation[]> {
  const violations: LedgerViolation[] = [];
  const ids = [...states.keys()];
  for (let start = 0; start < ids.length; start += candidateCheckChunk) {
    const chunk = ids.slice(start, start + candidateCheckChunk);
    const { rows } = await sql<{ id: string; version: string | null; completed_at: Date | null }>`
      select u.id, s.version, c.completed_at
        from unnest(${chunk}::text[]) as u(id)
        left join tt_streams s on s.stream_id = ${transactionStreamPrefix} || u.id
        left join tt_settlement_candidates c on c.transaction_id = u.id`.execute(db);
    for (const row of rows) {
      const state = states.get(row.id)!;
      if (Number(row.version) !== state.version) continue;
      const violation = (message: string) =>
        violations.push({ invariant: 'settlement_candidates', message: `transaction ${row.id}: ${message}`, entryId: null });
      if (!awaitsSettlement(state)) {
        if (row.completed_at !== null)
          violation(
            `a settlement candidate, but ${state.status}${state.settlement ? ' and settled' : ''}${state.refund?.state === 'pending' ? ' with a refund pending' : ''}: a T+1 run must not pay it out ${candidateRepair}`,
          );
      } else if (row.completed_at === null) {
        violation(
          `completed at ${state.completedAt} and awaiting settlement, but not a settlement candidate: no T+1 run would pay it out ${candidateRepair}`,
        );
      } else if (row.completed_at.getTime() !== Date.parse(state.completedAt)) {
        violation(`a settlement candidate completed at ${row.completed_at.toISOString()}, but it completed at ${state.completedAt}`);
      }
    }
  }
  return violations;
}

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

export interface SettlementBatchView {
  readonly batchId: string;
  readonly vendorId: string;
  readonly currency: string;
  readonly settlementDate: string;
  readonly transactionIds: string[];
  readonly transactionCount: number;
  readonly totalMinor: number;
  readonly total: string;
  readonly position: string;
  readonly createdAt: string;
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
  db: Kysely<any>,
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
  db: Kysely<any>,
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
        const result = await appendToStreams(transaction as Kysely<any>, appends);
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

export interface ListSettlementBatchesOptions {
  readonly settlementDate?: string;
  readonly vendorId?: string;
  /** 1 to 500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (text: string) => datePattern.test(text) && new Date(`${text}T00:00:00.000Z`).toISOString().slice(0, 10) === text;

/**
 * Settlement batches, latest settlement date first and, within a date, latest written first (by the
 * log position of the batch's events, which is unique and never changes), keyset-paged.
 */
export async function listSettlementBatches(
  db: Kysely<any>,
  options: ListSettlementBatchesOptions = {},
): Promise<Page<SettlementBatchView>> {
  const limit = pageSize(options.limit);
  const after = options.cursor ? decodeCursor(options.cursor, 2, ([date, position]) => isDate(date!) && isPosition(position!)) : null;
  const result = await sql<{
    batch_id: string;
    vendor_id: string;
    currency: string;
    settlement_date: Date | string;
    transaction_ids: string[];
    transaction_count: number;
    total_minor: string;
    position: string;
    created_at: Date;
  }>`
    select * from tt_settlement_batches
    where (${options.settlementDate ?? null}::date is null or settlement_date = ${options.settlementDate ?? null}::date)
      and (${options.vendorId ?? null}::text is null or vendor_id = ${options.vendorId ?? null})
      ${after ? sql`and (settlement_date, position) < (${after[0]}::date, ${after[1]})` : sql``}
    order by settlement_date desc, position desc limit ${limit + 1}`.execute(db);
  const items = result.rows.slice(0, limit).map(
    (row): SettlementBatchView => ({
      batchId: row.batch_id,
      vendorId: row.vendor_id,
      currency: row.currency,
      settlementDate: typeof row.settlement_date === 'string' ? row.settlement_date.slice(0, 10) : dateOnly(row.settlement_date),
      transactionIds: row.transaction_ids,
      transactionCount: row.transaction_count,
      totalMinor: Number(row.total_minor),
      total: formatAmount(Number(row.total_minor), row.currency as Currency),
      position: row.position,
      createdAt: new Date(row.created_at).toISOString(),
    }),
  );
  const last = items.at(-1);
  return { items, nextCursor: result.rows.length > limit && last ? encodeCursor([last.settlementDate, last.position]) : null };
}

/** pg returns a `date` as a local-midnight Date; read its local calendar fields. */
function dateOnly(value: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
