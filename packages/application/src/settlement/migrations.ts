import { sql, type Kysely, type Migration } from 'kysely';
import { candidateEffectMigrations } from './candidate-effects.ts';

/**
 * Settlement's tables:
 * - tt_settlement_candidates: COMPLETED transactions waiting for T+1, written with the command's events;
 * - tt_settlement_batches: one row per settlement batch, written with the batch's events.
 *
 * Databases made before settlement had migrations of its own got these tables from '0300-timers',
 * so each step here makes the end state and does nothing where it is there already.
 */
export const settlementMigrations: Record<string, Migration> = {
  '0301-settlement-tables': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table if not exists tt_settlement_candidates (
          transaction_id text primary key,
          vendor_id text not null,
          currency text not null,
          amount_minor bigint not null,
          completed_at timestamptz not null
        )`.execute(db);
      await sql`create index if not exists tt_settlement_candidates_completed on tt_settlement_candidates (completed_at)`.execute(db);
      await sql`
        create table if not exists tt_settlement_batches (
          batch_id uuid primary key,
          vendor_id text not null,
          currency text not null,
          settlement_date date not null,
          transaction_ids jsonb not null,
          total_minor bigint not null,
          transaction_count int not null,
          position text collate "C" not null,
          created_at timestamptz not null
        )`.execute(db);
    },
  },
  // Batches page newest first by (settlement_date, position): positions compare as bytes (their
  // string order is log order), and an index on that order lets a page read only its rows.
  '0530-settlement-batches-order': {
    async up(db: Kysely<unknown>) {
      await sql`alter table tt_settlement_batches alter column position type text collate "C"`.execute(db);
      await sql`drop index if exists tt_settlement_batches_date`.execute(db);
      await sql`create index if not exists tt_settlement_batches_order on tt_settlement_batches (settlement_date desc, position desc)`.execute(
        db,
      );
      await sql`create index if not exists tt_settlement_batches_vendor on tt_settlement_batches (vendor_id, settlement_date desc, position desc)`.execute(
        db,
      );
    },
  },
  ...candidateEffectMigrations,
};
