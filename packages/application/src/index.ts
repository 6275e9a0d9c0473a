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
