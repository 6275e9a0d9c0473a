import type { Int8Column } from '@tracktrove/event-store';

/** tt_settlement_candidates: COMPLETED transactions waiting for T+1, written with the command's events. */
export type SettlementCandidatesTable = {
  transaction_id: string;
  vendor_id: string;
  currency: string;
  amount_minor: Int8Column;
  completed_at: Date;
};

/** tt_settlement_batches: one row per settlement batch, written with the batch's events. */
export type SettlementBatchesTable = {
  batch_id: string;
  vendor_id: string;
  currency: string;
  /** A date column; its readers take either form (batches.ts). */
  settlement_date: Date | string;
  transaction_ids: unknown;
  total_minor: Int8Column;
  transaction_count: number;
  position: string;
  created_at: Date;
};

/** Settlement's tables (migrations.ts), as kysely sees them. */
export type SettlementTables = {
  tt_settlement_candidates: SettlementCandidatesTable;
  tt_settlement_batches: SettlementBatchesTable;
};
