import { sql } from 'kysely';
import { parseEvent, postingsFor, type LedgerEntry, type TransactionState } from '@tracktrove/domain';
import type { Projection } from '../projection.ts';
import { jsonRows, tableIn } from './sql-helpers.ts';
import { foldRecord, touchedTransactionIds, transactionIdOf, transactionRecords, type EventParser } from './transaction-stream.ts';
import { traceDtoKeys } from './trace-record.ts';
import { parseEventTrusted } from './trusted-event.ts';

export const ledgerReadModel = 'ledger';

/** A ledger entry as the read model keeps it: the domain's entry and the position of the event that caused it. */
export type PositionedEntry = LedgerEntry & { readonly position: string };

/** What postingsFor needs of a state; the payload (up to 64 KiB of client DTO) never moves money. */
export function ledgerStateOf(state: TransactionState): TransactionState {
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

type BalanceDelta = { account: string; currency: string; debits_posted: number; credits_posted: number; debits_pending: number; credits_pending: number };

/** The change a list of entries makes to each account (same arithmetic as the domain's applyEntry). */
export function balanceDeltas(entries: readonly LedgerEntry[]): BalanceDelta[] {
  const deltas = new Map<string, BalanceDelta>();
  const of = (account: string, currency: string) => {
    let delta = deltas.get(account);
    if (!delta) deltas.set(account, (delta = { account, currency, debits_posted: 0, credits_posted: 0, debits_pending: 0, credits_pending: 0 }));
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
  return [...deltas.values()];
}

/**
 * Double-entry ledger: the entries postingsFor derives from each transaction event, and balances
 * per account, kept incrementally (each batch aggregated in memory, one upsert with increments).
 * The per-transaction state postingsFor needs lives in this read model's own `ledger_states`
 * table, so the ledger rebuilds alone. Per batch: one select, three writes.
 */
export const ledgerProjection: Projection = {
  name: ledgerReadModel,
  async createTables({ transaction, schema }) {
    const entries = tableIn(schema, 'entries');
    await sql`create table ${tableIn(schema, 'ledger_states')} (transaction_id text primary key, state jsonb not null)`.execute(transaction);
    await sql`
      create table ${entries} (
        id text collate "C" primary key,
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
    await sql`create index on ${entries} (position, id)`.execute(transaction);
    await sql`create index on ${entries} (transaction_id, position)`.execute(transaction);
    await sql`create index on ${entries} (debit_account, position)`.execute(transaction);
    await sql`create index on ${entries} (credit_account, position)`.execute(transaction);
  },
  omitsMetadataKeys: traceDtoKeys,
  async apply(events, { transaction, schema }) {
    const records = transactionRecords(events);
    if (records.length === 0) return;
    const statesTable = tableIn(schema, 'ledger_states');
    const ids = touchedTransactionIds(records);
    const { rows: stored } = await sql<{ transaction_id: string; state: TransactionState }>`
      select transaction_id, state from ${statesTable} where transaction_id = any(${ids}::text[])`.execute(transaction);
    const states = new Map(stored.map((row) => [row.transaction_id, row.state]));
    const entries = ledgerEntriesOf(records, states, parseEventTrusted);

    await sql`
      insert into ${statesTable} (transaction_id, state)
      select transaction_id, state from json_to_recordset(${jsonRows(ids.map((id) => ({ transaction_id: id, state: states.get(id) })))})
        as r(transaction_id text, state jsonb)
      on conflict (transaction_id) do update set state = excluded.state`.execute(transaction);
    if (entries.length === 0) return;
    const rows = entries.map((entry) => ({
      id: entry.entryId,
      transaction_id: entry.transactionId,
      version: entry.version,
      type: entry.type,
      debit_account: entry.debitAccount,
      credit_account: entry.creditAccount,
      amount_minor: entry.amountMinor,
      currency: entry.currency,
      phase: entry.phase,
      pending_id: entry.pendingId,
      position: entry.position,
      at: entry.at,
    }));
    await sql`
      insert into ${tableIn(schema, 'entries')}
      select * from json_to_recordset(${jsonRows(rows)}) as r(
        id text, transaction_id text, version integer, type text, debit_account text, credit_account text, amount_minor bigint,
        currency text, phase text, pending_id text, position text, at timestamptz)`.execute(transaction);
    const balances = tableIn(schema, 'balances');
    await sql`
      insert into ${balances} as b
      select * from json_to_recordset(${jsonRows(balanceDeltas(entries))}) as r(
        account text, currency text, debits_posted bigint, credits_posted bigint, debits_pending bigint, credits_pending bigint)
      on conflict (account) do update set
        debits_posted = b.debits_posted + excluded.debits_posted,
        credits_posted = b.credits_posted + excluded.credits_posted,
        debits_pending = b.debits_pending + excluded.debits_pending,
        credits_pending = b.credits_pending + excluded.credits_pending`.execute(transaction);
  },
};
