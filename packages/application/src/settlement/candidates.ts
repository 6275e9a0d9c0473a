import { sql, type Kysely } from 'kysely';
import { awaitsSettlement, type LedgerViolation, type TransactionState } from '@tracktrove/domain';
import { loadTransactions, transactionStreamId, transactionStreamPrefix } from '@tracktrove/commands';
import type { TrackTroveTables } from '../tables.ts';

/**
 * Settlement candidates (tt_settlement_candidates): the COMPLETED transactions waiting for T+1. A
 * command's effects write a transaction's row in the statement that appends its events
 * (tt_apply_effects); a settlement batch deletes the rows it settles.
 */

/**
 * Keeps the candidate table in step with a transaction's state, if that state is still the
 * stream's: a state read before a later command (a run that read a pending refund, which has
 * failed since and put the candidate back) must not undo that command's own change.
 */
export async function syncSettlementCandidate(db: Kysely<TrackTroveTables>, state: TransactionState): Promise<void> {
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
export async function syncSettlementCandidates(db: Kysely<TrackTroveTables>, transactionIds: readonly string[]): Promise<CandidateSync> {
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
  db: Kysely<TrackTroveTables>,
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
