import { sql } from 'kysely';
import {
  comparePositions,
  decodePosition,
  encodePosition,
  type EventStore,
  type EventStoreTables,
  type LogPosition,
  type Queryable,
} from '@tracktrove/event-store';
import {
  createLedgerChecker,
  fundsMatchStatus,
  postingsFor,
  transactionEventTypes,
  type AccountBalance,
  type LedgerChecker,
  type LedgerViolation,
  type TransactionState,
} from '@tracktrove/domain';
import { accountBalanceOfRow, type BalanceRow, type EntryRow } from '../queries/ledger.ts';
import { traceViewOfRow, type TraceRow } from '../queries/traces.ts';
import { transactionViewOfRow, type TransactionRow } from '../queries/transactions.ts';
import { balanceDeltas, type BalanceMove, type PositionedEntry } from '../read-models/ledger-projection.ts';
import { tableIn } from '../read-models/sql-helpers.ts';
import { traceRecordOf, type TraceRecord } from '../read-models/trace-record.ts';
import { foldRecord, transactionIdOf, transactionRecords, transactionStreamPrefix } from '../read-models/transaction-stream.ts';
import { isoTime, transactionViewOf } from '../read-models/transaction-view.ts';
import { sameJson } from './same-json.ts';

type Differ = (difference: ReadModelDifference) => void;

/** The schemas the queries read: `runtime.schemaOf(name)` of each read model. */
export interface ReadModelSchemas {
  readonly transactions: string;
  readonly traces: string;
  readonly ledger: string;
}

export interface ReadModelDifference {
  readonly readModel: 'transactions' | 'traces' | 'ledger';
  /** Transaction id, `transactionId@version` for a trace, entry id or account. */
  readonly key: string;
  /** The column or object field, or `row` for a missing or unexpected row. */
  readonly field: string;
  readonly expected: unknown;
  readonly actual: unknown;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** The log was folded up to and including this position. */
  readonly upTo: string;
  readonly checkedEvents: number;
  readonly checkedTransactions: number;
  /** The first maxDifferences differences; differenceCount counts them all. */
  readonly differences: ReadModelDifference[];
  readonly differenceCount: number;
  /**
   * Invariants broken: the ledger's (over the ledger read model's entries), every transaction's
   * money where its status says, and those of VerifyOptions.checkTransactions.
   */
  readonly violations: LedgerViolation[];
}

export interface VerifyOptions {
  /** Fold the log up to here (default: the head when verification starts). Read models must have applied at least this far. */
  readonly upTo?: string;
  readonly batchSize?: number;
  readonly maxDifferences?: number;
  /**
   * More invariants over every transaction's folded state (as of upTo), from stores this package
   * does not own (the settlement candidates, say); what it finds joins the violations.
   */
  readonly checkTransactions?: (states: ReadonlyMap<string, TransactionState>) => Promise<LedgerViolation[]>;
}

type Expected = { state: TransactionState; position: string; createdPosition: string };

const traceFields: [keyof TraceRecord, string][] = [
  ['position', 'position'],
  ['eventType', 'event_type'],
  ['step', 'step'],
  ['service', 'service'],
  ['at', 'at'],
  ['attempt', 'attempt'],
  ['durationMs', 'duration_ms'],
  ['dtoBefore', 'dto_before'],
  ['dtoAfter', 'dto_after'],
  ['diff', 'diff'],
  ['error', 'error'],
  ['actor', 'actor'],
  ['correlationId', 'correlation_id'],
  ['causationId', 'causation_id'],
];

const entryFields: [keyof PositionedEntry, keyof EntryRow][] = [
  ['transactionId', 'transaction_id'],
  ['version', 'version'],
  ['type', 'type'],
  ['debitAccount', 'debit_account'],
  ['creditAccount', 'credit_account'],
  ['amountMinor', 'amount_minor'],
  ['currency', 'currency'],
  ['phase', 'phase'],
  ['pendingId', 'pending_id'],
  ['position', 'position'],
  ['at', 'at'],
];

function entryOfRow(row: EntryRow): PositionedEntry {
  return {
    entryId: row.id,
    transactionId: row.transaction_id,
    version: row.version,
    type: row.type as PositionedEntry['type'],
    debitAccount: row.debit_account,
    creditAccount: row.credit_account,
    amountMinor: Number(row.amount_minor),
    currency: row.currency as PositionedEntry['currency'],
    phase: row.phase,
    pendingId: row.pending_id,
    position: row.position,
    at: isoTime(row.at)!,
  };
}

/**
 * The ledger read model's balances as of `upTo`. The read model keeps balances as running totals,
 * so under load (timers firing, webhooks arriving while verify runs) they have moved past the
 * position the log was folded to. The balances and the entries written after `upTo` are read in one
 * snapshot (the projection writes both in one transaction), and the later entries taken back out:
 * what is left is what the read model held at `upTo`. An account that only later entries opened is
 * left out.
 */
async function balancesOfReadModelAt<DB extends EventStoreTables>(
  db: Queryable<DB>,
  schema: string,
  upTo: string,
): Promise<Map<string, AccountBalance>> {
  // One statement, one snapshot (verify may itself run inside a caller's transaction).
  const { rows } = await sql<{
    balances: BalanceRow[];
    later: Array<Pick<EntryRow, 'debit_account' | 'credit_account' | 'amount_minor' | 'currency' | 'phase'>>;
  }>`
    select (select coalesce(json_agg(b), '[]'::json) from ${tableIn(schema, 'balances')} b) as balances,
           (select coalesce(json_agg(json_build_object('debit_account', e.debit_account, 'credit_account', e.credit_account, 'amount_minor', e.amount_minor,
                                                       'currency', e.currency, 'phase', e.phase)), '[]'::json)
              from ${tableIn(schema, 'entries')} e where e.position > ${upTo}) as later`.execute(db);
  const balanceRows = rows[0]?.balances ?? [];
  const laterRows = rows[0]?.later ?? [];
  const balances = new Map(balanceRows.map((row) => [row.account, accountBalanceOfRow(row)]));
  const laterEntries: BalanceMove[] = laterRows.map((row) => ({
    debitAccount: row.debit_account,
    creditAccount: row.credit_account,
    amountMinor: Number(row.amount_minor),
    currency: row.currency as BalanceMove['currency'],
    phase: row.phase,
  }));
  for (const delta of balanceDeltas(laterEntries)) {
    const balance = balances.get(delta.account);
    if (!balance) continue;
    balance.debitsPosted -= delta.debits_posted;
    balance.creditsPosted -= delta.credits_posted;
    balance.debitsPending -= delta.debits_pending;
    balance.creditsPending -= delta.credits_pending;
  }
  const openedLater = new Set(laterRows.flatMap((row) => [row.debit_account, row.credit_account]));
  for (const [account, balance] of balances) {
    const empty = balance.debitsPosted === 0 && balance.creditsPosted === 0 && balance.debitsPending === 0 && balance.creditsPending === 0;
    if (empty && openedLater.has(account)) balances.delete(account);
  }
  return balances;
}

/**
 * Folds the whole log afresh, in batches, and compares every read model with it: each transaction
 * row (object fields and stored state), each trace (content, and the count), each ledger entry and
 * every account balance. Runs every ledger invariant over the read model's entries as they stream,
 * and checks that every transaction's money is where its status says.
 * Memory grows with transactions and accounts (their folded states), not with events.
 */
export async function verifyReadModels<DB extends EventStoreTables>(
  store: EventStore,
  db: Queryable<DB>,
  schemas: ReadModelSchemas,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const upTo = decodePosition(options.upTo ?? (await store.headPosition()));
  const upToText = encodePosition(upTo);
  const batchSize = options.batchSize ?? 5_000;
  const maxDifferences = options.maxDifferences ?? 1_000;
  const differences: ReadModelDifference[] = [];
  let differenceCount = 0;
  const differ = (difference: ReadModelDifference) => {
    differenceCount += 1;
    if (differences.length < maxDifferences) differences.push(difference);
  };

  const expected = new Map<string, Expected>();
  const expectedBalances = new Map<string, AccountBalance>();
  const checker = createLedgerChecker();
  const traces = tableIn(schemas.traces, 'traces');
  const entriesTable = tableIn(schemas.ledger, 'entries');
  let checkedEvents = 0;
  let traceCount = 0;
  let after: LogPosition = decodePosition('start');

  const readPage = (from: LogPosition) => store.readAll({ after: from, maxCount: batchSize, types: transactionEventTypes });
  // The next page is read while this one is checked.
  let nextPage = readPage(after);
  for (;;) {
    const page = await nextPage;
    const events = page.events.filter((event) => comparePositions(event.logPosition, upTo) <= 0);
    const records = transactionRecords(events);
    const batchEnd = events.length < page.events.length || page.isEnd ? upTo : page.position;
    if (batchEnd !== upTo) {
      nextPage = readPage(page.position);
      nextPage.catch(() => undefined); // awaited at the next round, which reports its failure
    }
    checkedEvents += records.length;

    const expectedEntries: PositionedEntry[] = [];
    for (const record of records) {
      const id = transactionIdOf(record.streamId)!;
      const current = expected.get(id);
      const { before, event, after: next } = foldRecord(current?.state, record);
      for (const entry of postingsFor(before, event, next)) expectedEntries.push({ ...entry, position: record.position });
      expected.set(id, { state: next, position: record.position, createdPosition: current?.createdPosition ?? record.position });
    }

    // This batch's traces (as getTraces answers them: joined with their events' DTOs, the diff
    // computed) and its position range's ledger entries, in log order, read together.
    const wanted = records.map(traceRecordOf);
    traceCount += wanted.length;
    const [{ rows: traceRows }, { rows: entryRows }] = await Promise.all([
      wanted.length === 0
        ? { rows: [] }
        : sql<TraceRow & Record<string, unknown>>`
            select t.*, e.metadata -> 'dtoBefore' as dto_before, e.metadata -> 'dtoAfter' as dto_after from ${traces} t
              join unnest(${wanted.map((trace) => trace.transactionId)}::text[], ${wanted.map((trace) => trace.version)}::int[]) as k(transaction_id, version)
                on t.transaction_id = k.transaction_id and t.version = k.version
              left join tt_events e on e.stream_id = ${transactionStreamPrefix} || t.transaction_id and e.stream_version = t.version`.execute(
            db,
          ),
      sql<EntryRow>`
        select * from ${entriesTable}
         where position > ${encodePosition(after)} and position <= ${encodePosition(batchEnd)}
         order by position, id`.execute(db),
    ]);

    compareTraces(wanted, traceRows, differ);

    compareEntries(expectedEntries, entryRows, checker, differ);
    addBalanceDeltas(expectedBalances, expectedEntries);

    if (batchEnd === upTo) break;
    after = page.position;
  }

  await compareTransactions(db, schemas.transactions, expected, upToText, differ);

  const { rows: traceTotals } = await sql<{ total: string }>`select count(*) as total from ${traces} where position <= ${upToText}`.execute(
    db,
  );
  const traceTotal = Number(traceTotals[0]?.total ?? 0);
  if (traceTotal !== traceCount) differ({ readModel: 'traces', key: '*', field: 'count', expected: traceCount, actual: traceTotal });

  compareBalances(expectedBalances, await balancesOfReadModelAt(db, schemas.ledger, upToText), differ);

  const states = new Map([...expected].map(([id, { state }]) => [id, state]));
  const violations = checker.finish(states);
  violations.push(...fundsViolations(states));
  if (options.checkTransactions) violations.push(...(await options.checkTransactions(states)));
  return {
    ok: differenceCount === 0 && violations.length === 0,
    upTo: upToText,
    checkedEvents,
    checkedTransactions: expected.size,
    differences,
    differenceCount,
    violations,
  };
}

/** The read model's traces of a batch against those folded from the log (getTraces' view, the diff computed). */
function compareTraces(wanted: readonly TraceRecord[], traceRows: ReadonlyArray<TraceRow & Record<string, unknown>>, differ: Differ): void {
  const actualTraces = new Map(
    traceRows.map((row) => [
      `${String(row.transaction_id)}@${String(row.version)}`,
      { ...row, diff: traceViewOfRow(row).diff } as Record<string, unknown>,
    ]),
  );
  for (const trace of wanted) {
    const key = `${trace.transactionId}@${trace.version}`;
    const row = actualTraces.get(key);
    if (!row) {
      differ({ readModel: 'traces', key, field: 'row', expected: 'present', actual: null });
      continue;
    }
    for (const [field, column] of traceFields) {
      const value = column === 'at' ? isoTime(row.at as Date) : (row[column] ?? null);
      if (!sameJson(trace[field], value)) differ({ readModel: 'traces', key, field, expected: trace[field], actual: value });
    }
  }
}

/** The read model's ledger entries of a batch's positions against those the log's postings make; each goes to the checker. */
function compareEntries(
  expectedEntries: readonly PositionedEntry[],
  entryRows: readonly EntryRow[],
  checker: LedgerChecker,
  differ: Differ,
): void {
  const actualEntries = entryRows.map(entryOfRow);
  const actualById = new Map(actualEntries.map((entry) => [entry.entryId, entry]));
  const expectedIds = new Set(expectedEntries.map((entry) => entry.entryId));
  for (const entry of expectedEntries) {
    const found = actualById.get(entry.entryId);
    if (!found) {
      differ({ readModel: 'ledger', key: entry.entryId, field: 'row', expected: 'present', actual: null });
      continue;
    }
    for (const [field] of entryFields) {
      const want = field === 'at' ? isoTime(entry.at) : entry[field];
      if (want !== found[field]) differ({ readModel: 'ledger', key: entry.entryId, field, expected: want, actual: found[field] });
    }
  }
  for (const entry of actualEntries) {
    if (!expectedIds.has(entry.entryId))
      differ({ readModel: 'ledger', key: entry.entryId, field: 'row', expected: null, actual: 'present' });
    checker.add(entry);
  }
}

/** Adds a batch's expected entries to the balances they make. */
function addBalanceDeltas(expectedBalances: Map<string, AccountBalance>, expectedEntries: readonly PositionedEntry[]): void {
  for (const delta of balanceDeltas(expectedEntries)) {
    const balance = expectedBalances.get(delta.account) ?? {
      currency: delta.currency as AccountBalance['currency'],
      debitsPosted: 0,
      creditsPosted: 0,
      debitsPending: 0,
      creditsPending: 0,
    };
    balance.debitsPosted += delta.debits_posted;
    balance.creditsPosted += delta.credits_posted;
    balance.debitsPending += delta.debits_pending;
    balance.creditsPending += delta.credits_pending;
    expectedBalances.set(delta.account, balance);
  }
}

/** Every account's balance in the read model against the one the log's postings make. */
function compareBalances(
  expectedBalances: ReadonlyMap<string, AccountBalance>,
  actualBalances: ReadonlyMap<string, AccountBalance>,
  differ: Differ,
): void {
  for (const [account, want] of expectedBalances) {
    const found = actualBalances.get(account);
    for (const field of ['currency', 'debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const) {
      if (want[field] !== found?.[field])
        differ({ readModel: 'ledger', key: account, field, expected: want[field], actual: found?.[field] ?? null });
    }
  }
  for (const [account, found] of actualBalances) {
    if (!expectedBalances.has(account)) differ({ readModel: 'ledger', key: account, field: 'row', expected: null, actual: found });
  }
}

/** A transaction whose money is not where its status says (funds_match_status). */
function fundsViolations(states: ReadonlyMap<string, TransactionState>): LedgerViolation[] {
  const violations: LedgerViolation[] = [];
  for (const [id, state] of states) {
    if (!fundsMatchStatus(state)) {
      violations.push({
        invariant: 'funds_match_status',
        message: `transaction ${id} is ${state.status} with its money at ${state.funds}: nothing in its lifecycle moves it from there (an admin override can)`,
        entryId: null,
      });
    }
  }
  return violations;
}

const transactionChunk = 1_000;

async function compareTransactions<DB extends EventStoreTables>(
  db: Queryable<DB>,
  schema: string,
  expected: Map<string, Expected>,
  upTo: string,
  differ: (difference: ReadModelDifference) => void,
): Promise<void> {
  const table = tableIn(schema, 'transactions');
  const ids = [...expected.keys()];
  for (let start = 0; start < ids.length; start += transactionChunk) {
    const chunk = ids.slice(start, start + transactionChunk);
    const { rows } = await sql<
      TransactionRow & { state: TransactionState }
    >`select * from ${table} where id = any(${chunk}::text[])`.execute(db);
    const actual = new Map(rows.map((row) => [row.id, row]));
    for (const id of chunk) {
      const want = expected.get(id)!;
      const row = actual.get(id);
      if (!row) {
        differ({ readModel: 'transactions', key: id, field: 'row', expected: 'present', actual: null });
        continue;
      }
      if (row.position > upTo) continue; // moved on past the verified position
      const wantView = transactionViewOf(want.state, want.position) as unknown as Record<string, unknown>;
      const gotView = transactionViewOfRow(row) as unknown as Record<string, unknown>;
      for (const field of Object.keys(wantView)) {
        if (!sameJson(wantView[field], gotView[field]))
          differ({ readModel: 'transactions', key: id, field, expected: wantView[field], actual: gotView[field] });
      }
      if (row.created_position !== want.createdPosition)
        differ({
          readModel: 'transactions',
          key: id,
          field: 'createdPosition',
          expected: want.createdPosition,
          actual: row.created_position,
        });
      if (!sameJson(want.state, row.state))
        differ({ readModel: 'transactions', key: id, field: 'state', expected: want.state, actual: row.state });
    }
  }
  // Rows the log does not explain.
  let afterId = '';
  for (;;) {
    const { rows } = await sql<{ id: string; position: string }>`
      select id, position from ${table} where id > ${afterId} order by id limit 10000`.execute(db);
    for (const row of rows) {
      if (!expected.has(row.id) && row.position <= upTo)
        differ({ readModel: 'transactions', key: row.id, field: 'row', expected: null, actual: 'present' });
    }
    if (rows.length < 10_000) break;
    afterId = rows.at(-1)!.id;
  }
}
