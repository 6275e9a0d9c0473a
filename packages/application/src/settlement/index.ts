export { listSettlementBatches, type ListSettlementBatchesOptions, type SettlementBatchView } from './batches.ts';
export { settlementCandidateViolations, syncSettlementCandidate, syncSettlementCandidates, type CandidateSync } from './candidates.ts';
export { settlementBatchId, settlementCutoff, settlementDateOf, settlementStreamPrefix } from './dates.ts';
export { settlementMigrations } from './migrations.ts';
export { runSettlement, settlementLimits, type SettlementRunResult, type SettlementTotal } from './run.ts';
