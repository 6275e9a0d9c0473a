import { sql, type Kysely } from 'kysely';
import { parseEvent, parseEventTrusted, postingsFor, type LedgerEntry, type TransactionState } from '@tracktrove/domain';
import { noWrites, type BulkWrite, type Projection, type ProjectionContext } from '../projection.ts';
import { appendRows, chunksOf, encodeRows, jsonRecords, rowEncoder, type Columns, type EncodedRows } from './row-writes.ts';
import { createBulkStates, type StatesToWrite } from './state-cache.ts';
import { tableIn } from './sql-helpers.ts';
import { eventsPerYield, yieldToIo } from './yield-to-io.ts';
import {
  foldRecord,
  foldRecordShared,
  touchedTransactionIds,
  transactionIdOf,
  transactionRecords,
  type EventParser,
} from './transaction-stream.ts';
import { traceDtoKeys } from './trace-record.ts';
import type { EventStoreTables } from '@tracktrove/event-store';

export const ledgerReadModel = 'ledger';

/** A ledger entry as the read model keeps it: the domain's entry and the position of the event that caused it. */
export type PositionedEntry = LedgerEntry & { readonly position: string };

/** What postingsFor needs of a state; the payload (up to 64 KiB of client DTO) never moves money. */
function ledgerStateOf(state: TransactionState): TransactionState {
  return { ...state, payload: null };
}

/** The entries a batch of transaction records causes, folding `states` (mutated) forward. */
export function ledgerEntriesOf(
  records: Parameters<typeof transactionRecords>[0],
  states: Map<string, TransactionState>,
  parse: EventParser = parseEvent,
): PositionedEntry[] {
  const entries: PositionedEntry[] = [];
  for (const record of records) {
    const id = transactionIdOf(record.streamId)!;
    const { before, event, after } = foldRecord(states.get(id), record, parse);
    for (const entry of postingsFor(before, event, after)) entries.push({ ...entry, position: record.position });
    states.set(id, ledgerStateOf(after));
  }
  return entries;
}

type BalanceDelta = {
  account: string;
  currency: string;
  debits_posted: number;
  credits_posted: number;
  debits_pending: number;
  credits_pending: number;
};

/** The change a list of entries makes to each account (same arithmetic as the domain's applyEntry). */
/** Adds the entries' effect on each account to `deltas` (keyed by account). */
/** What of an entry moves balances. */
export type BalanceMove = Pick<LedgerEntry, 'debitAccount' | 'creditAccount' | 'amountMinor' | 'currency' | 'phase'>;

function addBalanceDeltas(deltas: Map<string, BalanceDelta>, entries: readonly BalanceMove[]): void {
  const of = (account: string, currency: string) => {
    let delta = deltas.get(account);
    if (!delta)
      deltas.set(account, (delta = { account, currency, debits_posted: 0, credits_posted: 0, debits_pending: 0, credits_pending: 0 }));
    return delta;
  };
  for (const entry of entries) {
    const debit = of(entry.debitAccount, entry.currency);
    const credit = of(entry.creditAccount, entry.currency);
    const amount = entry.amountMinor;
    if (entry.phase === 'posted' || entry.phase === 'post_pending') {
      debit.debits_posted += amount;
      credit.credits_posted += amount;
    }
    if (entry.phase === 'pending') {
      debit.debits_pending += amount;
      credit.credits_pending += amount;
    }
    if (entry.phase === 'post_pending' || entry.phase === 'void_pending') {
      debit.debits_pending -= amount;
      credit.credits_pending -= amount;
    }
  }
}

export function balanceDeltas(entries: readonly BalanceMove[]): BalanceDelta[] {
  const deltas = new Map<string, BalanceDelta>();
  addBalanceDeltas(deltas, entries);
  return [...deltas.values()];
}

/**
 * Double-entry ledger: the entries postingsFor derives from each transaction event, and balances
 * per account, kept incrementally (each batch aggregated in memory, one upsert with increments).
 * The per-transaction state postingsFor needs lives in this read model's own `ledger_states`
 * table, so the ledger rebuilds alone. Per batch: one select, three writes. A rebuild keeps recent
 * states in memory (bounded) and writes each when it leaves the cache or at the end.
 */
export const ledgerProjection: Projection = {
  name: ledgerReadModel,
  async createTables({ transaction, schema }) {
    const entries = tableIn(schema, 'entries');
    await sql`create table ${tableIn(schema, 'ledger_states')} (transaction_id text primary key, state jsonb not null)`.execute(
      transaction,
    );
    await sql`
      create table ${entries} (
        id text collate "C" not null,
        transaction_id text not null,
        version integer not null,
        type text not null,
        debit_account text not null,
        credit_account text not null,
        amount_minor bigint not null,
        currency text not null,
        phase text not null,
        pending_id text,
        position text collate "C" not null,
        at timestamptz not null
      )`.execute(transaction);
    await sql`
      create table ${tableIn(schema, 'balances')} (
        account text primary key,
        currency text not null,
        debits_posted bigint not null,
        credits_posted bigint not null,
        debits_pending bigint not null,
        credits_pending bigint not null
      )`.execute(transaction);
  },
  async createIndexes({ transaction, schema }) {
    const entries = tableIn(schema, 'entries');
    // Built with the other indexes, not with the table: a rebuild appends entries much faster
    // without it, and adding it then still fails loudly on an entry written twice.
    await sql`alter table ${entries} add primary key (id)`.execute(transaction);
    await sql`create index on ${entries} (position, id)`.execute(transaction);
    await sql`create index on ${entries} (transaction_id, position)`.execute(transaction);
    await sql`create index on ${entries} (debit_account, position)`.execute(transaction);
    await sql`create index on ${entries} (credit_account, position)`.execute(transaction);
  },
  omitsMetadataKeys: traceDtoKeys,
  async apply(events, context) {
    const { transaction, schema } = context;
    const records = transactionRecords(events);
    if (records.length === 0) return;
    const ids = touchedTransactionIds(records);
    const states = await readLedgerStates(transaction, schema, ids);
    const entries = ledgerEntriesOf(records, states, parseEventTrusted);
    await writeLedgerStates(
      transaction,
      schema,
      ids.map((id) => [id, states.get(id)!]),
    );
    await writeEntries(context, entries);
  },
  bulkBuilder({ copy, cachedStates }) {
    const states = createBulkStates<TransactionState>(cachedStates ?? bulkCachedStates, (reader, ids) =>
      readLedgerStates(reader.db, reader.schema, ids),
    );
    const balances = createBalanceTotals(bulkHeldAccounts);
    const format = copy ? 'copy' : 'json';
    return {
      async prepare(events, reader) {
        const records = transactionRecords(events);
        if (records.length === 0) return noWrites;
        await states.load(records, reader);
        const entryRows = rowEncoder(format, 'entries', entryColumns);
        for (let index = 0; index < records.length; index += 1) {
          if (index > 0 && index % eventsPerYield === 0) await yieldToIo();
          const record = records[index]!;
          const id = transactionIdOf(record.streamId)!;
          // The state keeps the payload until it is written: stripping it per event cost a copy of the state.
          const { before, event, after } = foldRecordShared(states.get(id), record, parseEventTrusted);
          states.set(id, after);
          const entries = postingsFor(before, event, after);
          if (entries.length === 0) continue;
          balances.add(entries);
          for (const entry of entries) entryRows.add(entryRowOf(entry, record.position));
        }
        const writeStates = ledgerStateWrites(states.take(false), format);
        const appendEntries = entryRows.finish();
        const deltas = balances.overflow();
        return async (context) => {
          await writeStates(context);
          await appendRows(context, appendEntries);
          await addToBalances(context.transaction, context.schema, deltas);
        };
      },
      finish() {
        const writeStates = ledgerStateWrites(states.take(true), format);
        const deltas = balances.takeAll();
        return async (context) => {
          await writeStates(context);
          await addToBalances(context.transaction, context.schema, deltas);
        };
      },
    };
  },
};

/** Payload-free states a rebuild keeps in memory, rows per statement when it writes them, and accounts whose totals it holds back. */
const bulkCachedStates = 8_000;
const bulkWriteRows = 5_000;
const bulkHeldAccounts = 10_000;

/**
 * Balance changes a rebuild adds up in memory across batches (balances are sums, so they may be
 * written at any time): one small upsert at the end instead of one per batch, or whenever more
 * than maxAccounts accounts are held.
 */
function createBalanceTotals(maxAccounts: number) {
  let totals = new Map<string, BalanceDelta>();
  const takeAll = (): BalanceDelta[] => {
    const taken = [...totals.values()];
    totals = new Map();
    return taken;
  };
  return {
    add(entries: readonly LedgerEntry[]): void {
      addBalanceDeltas(totals, entries);
    },
    /** Every total when more accounts than the bound are held, else none. */
    overflow: (): BalanceDelta[] => (totals.size > maxAccounts ? takeAll() : []),
    takeAll,
  };
}

async function readLedgerStates(
  db: Kysely<EventStoreTables>,
  schema: string,
  ids: readonly string[],
): Promise<Map<string, TransactionState>> {
  const { rows: stored } = await sql<{ transaction_id: string; state: TransactionState }>`
    select transaction_id, state from ${tableIn(schema, 'ledger_states')} where transaction_id = any(${ids}::text[])`.execute(db);
  return new Map(stored.map((row) => [row.transaction_id, row.state]));
}

const ledgerStateColumns: Columns = [
  ['transaction_id', 'text'],
  ['state', 'jsonb'],
];

async function writeLedgerStates(
  transaction: ProjectionContext['transaction'],
  schema: string,
  states: readonly [string, TransactionState][],
): Promise<void> {
  if (states.length === 0) return;
  await sql`
    insert into ${tableIn(schema, 'ledger_states')} (transaction_id, state)
    select transaction_id, state from json_to_recordset(${jsonRecords(ledgerStateColumns, states)}::json)
      as r(transaction_id text, state jsonb)
    on conflict (transaction_id) do update set state = excluded.state`.execute(transaction);
}

/** A rebuild's writes of ledger states: new rows appended (COPY on PostgreSQL), rows an earlier batch wrote upserted. */
function ledgerStateWrites({ added, updated }: StatesToWrite<TransactionState>, format: EncodedRows['format']): BulkWrite {
  const withoutPayload = ([id, state]: [string, TransactionState]): [string, TransactionState] => [id, ledgerStateOf(state)];
  const appends = chunksOf(added, bulkWriteRows).map((chunk) => {
    const rows = rowEncoder(format, 'ledger_states', ledgerStateColumns);
    for (const [id, state] of chunk) rows.add([id, ledgerStateOf(state)]);
    return rows.finish();
  });
  const upserts = chunksOf(updated.map(withoutPayload), bulkWriteRows);
  return async (context) => {
    for (const rows of appends) await appendRows(context, rows);
    for (const chunk of upserts) await writeLedgerStates(context.transaction, context.schema, chunk);
  };
}

const entryColumns: Columns = [
  ['id', 'text'],
  ['transaction_id', 'text'],
  ['version', 'integer'],
  ['type', 'text'],
  ['debit_account', 'text'],
  ['credit_account', 'text'],
  ['amount_minor', 'bigint'],
  ['currency', 'text'],
  ['phase', 'text'],
  ['pending_id', 'text'],
  ['position', 'text'],
  ['at', 'timestamptz'],
];

/** The row of an entry caused by the event at `position`, its values in entryColumns order. */
function entryRowOf(entry: LedgerEntry, position: string): unknown[] {
  return [
    entry.entryId,
    entry.transactionId,
    entry.version,
    entry.type,
    entry.debitAccount,
    entry.creditAccount,
    entry.amountMinor,
    entry.currency,
    entry.phase,
    entry.pendingId,
    position,
    entry.at,
  ];
}

/** Inserts the entries and adds them to the balances. */
async function writeEntries(context: ProjectionContext, entries: readonly PositionedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await appendRows(
    context,
    encodeRows(
      'json',
      'entries',
      entryColumns,
      entries.map((entry) => entryRowOf(entry, entry.position)),
    ),
  );
  await addToBalances(context.transaction, context.schema, balanceDeltas(entries));
}

async function addToBalances(
  transaction: ProjectionContext['transaction'],
  schema: string,
  deltas: readonly BalanceDelta[],
): Promise<void> {
  if (deltas.length === 0) return;
  const balances = tableIn(schema, 'balances');
  await sql`
    insert into ${balances} as b
    select * from json_to_recordset(${JSON.stringify(deltas)}::json) as r(
      account text, currency text, debits_posted bigint, credits_posted bigint, debits_pending bigint, credits_pending bigint)
    on conflict (account) do update set
      debits_posted = b.debits_posted + excluded.debits_posted,
      credits_posted = b.credits_posted + excluded.credits_posted,
      debits_pending = b.debits_pending + excluded.debits_pending,
      credits_pending = b.credits_pending + excluded.credits_pending`.execute(transaction);
}
