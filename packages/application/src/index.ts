export { NotFoundError } from './errors.ts';
export { CommandPlan, planAuthorization, type RetryBackoff } from './plan-authorization.ts';
export {
  createTrackTrove,
  type CommandOptions,
  type InitiateInput,
  type Readiness,
  type SimulationInput,
  type TrackTrove,
  type TrackTroveDefaults,
  type TrackTroveOptions,
  type TransactionResult,
} from './track-trove.ts';
export { deliveryBodyOf } from './endpoint-event-body.ts';
export { applicationMigrations, planEffects, type EffectsPlan, type PlannedEffects } from './command-effects.ts';
export { trackTroveMigrations } from './migrations.ts';
export { trackTroveDb, type PackageTables, type TrackTroveTables } from './tables.ts';
export type { SettlementBatchesTable, SettlementCandidatesTable, SettlementTables } from './settlement/tables.ts';
export { createReadQueries, type ReadQueries, type ReadSource } from './read-queries.ts';
// What the API's routes see of the read side: the views the queries answer, and the runtime they wait on.
export {
  transactionViewOf,
  type ProjectionRuntime,
  type ProjectionStatus,
  type TransactionView,
  type VerifyOptions,
  type VerifyReport,
} from '@tracktrove/projections';
export {
  listSettlementBatches,
  runSettlement,
  settlementBatchId,
  settlementCandidateViolations,
  settlementCutoff,
  settlementDateOf,
  settlementLimits,
  settlementMigrations,
  settlementStreamPrefix,
  syncSettlementCandidates,
  type CandidateSync,
  type ListSettlementBatchesOptions,
  type SettlementBatchView,
  type SettlementRunResult,
  type SettlementTotal,
} from './settlement/index.ts';
