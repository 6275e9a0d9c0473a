export { createGenerationTables, ensureGeneration, readGenerations, schemaFor, subscriptionNameFor, type Generation } from './generations.ts';
export { projectionMigrations } from './migrations.ts';
export type { Projection, ProjectionContext } from './projection.ts';
export {
  RebuildInProgressError, startProjectionRuntime, UnknownProjectionError,
  type ProjectionRuntime, type ProjectionRuntimeOptions, type ProjectionState, type ProjectionStatus, type RebuildProgress, type RebuildResult,
} from './runtime.ts';
