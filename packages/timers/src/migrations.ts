import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Tables of the timers package. PostgreSQL is the truth for every simulated delay:
 * - tt_clock: the sandbox clock's offset from the wall clock (one row);
 * - tt_timers: due timers, fired once by an atomic claim (pending -> fired), each claim counted;
 * - tt_settlement_candidates: COMPLETED transactions waiting for T+1, written with the command's events;
 * - tt_settlement_batches: one row per settlement batch, written with the batch's events.
 */
export const timerMigrations: Record<string, Migration> = {
  '0300-timers': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_clock (
          id int primary key check (id = 1),
          offset_ms bigint not null default 0,
          updated_at timestamptz not null default now()
        )`.execute(db);
      await sql`insert into tt_clock (id, offset_ms) values (1, 0)`.execute(db);
      await sql`
        create table tt_timers (
          id uuid primary key,
          kind text not null,
          transaction_id text,
          ref text not null,
          due_at timestamptz not null,
          payload jsonb not null default '{}'::jsonb,
          state text not null default 'pending' check (state in ('pending', 'fired', 'cancelled', 'failed')),
          fired_by text,
          fired_at timestamptz,
          failures int not null default 0,
          last_error text,
          created_at timestamptz not null default now(),
          constraint tt_timers_kind_ref_key unique (kind, ref)
        )`.execute(db);
      await sql`create index tt_timers_pending_due on tt_timers (due_at) where state = 'pending'`.execute(db);
      await sql`create index tt_timers_transaction on tt_timers (transaction_id, kind) where state = 'pending'`.execute(db);
      await sql`
        create table tt_settlement_candidates (
          transaction_id text primary key,
          vendor_id text not null,
          currency text not null,
          amount_minor bigint not null,
          completed_at timestamptz not null
        )`.execute(db);
      await sql`create index tt_settlement_candidates_completed on tt_settlement_candidates (completed_at)`.execute(db);
      await sql`
        create table tt_settlement_batches (
          batch_id uuid primary key,
          vendor_id text not null,
          currency text not null,
          settlement_date date not null,
          transaction_ids jsonb not null,
          total_minor bigint not null,
          transaction_count int not null,
          position text not null,
          created_at timestamptz not null
        )`.execute(db);
      await sql`create index tt_settlement_batches_date on tt_settlement_batches (settlement_date desc, batch_id)`.execute(db);
    },
  },
  // Batches page newest first by (settlement_date, position): positions compare as bytes (their
  // string order is log order), and an index on that order lets a page read only its rows.
  '0530-settlement-batches-order': {
    async up(db: Kysely<unknown>) {
      await sql`alter table tt_settlement_batches alter column position type text collate "C"`.execute(db);
      await sql`drop index tt_settlement_batches_date`.execute(db);
      await sql`create index tt_settlement_batches_order on tt_settlement_batches (settlement_date desc, position desc)`.execute(db);
      await sql`create index tt_settlement_batches_vendor on tt_settlement_batches (vendor_id, settlement_date desc, position desc)`.execute(
        db,
      );
    },
  },
  // Claims are counted, not only the events they lead to: the domain refuses a duplicate event, so a
  // timer claimed twice (fired twice) would not show in the log. Every fired timer has claims = 1.
  '0560-timer-claims': {
    async up(db: Kysely<unknown>) {
      await sql`alter table tt_timers add column claims int not null default 0`.execute(db);
    },
  },
};
