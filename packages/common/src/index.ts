/** Helpers with no knowledge of TrackTrove's domain or storage: batching, bounded concurrency, name-based ids, backoff. */
export { backoffDelayMs } from './backoff.ts';
export { createGroupCommit, GroupCommitFullError, type BatchOutcome, type GroupCommitLimits } from './group-commit.ts';
export { repeatEvery } from './repeat-every.ts';
export { runBounded } from './run-bounded.ts';
export { trackTroveNamespace, uuidV5 } from './uuid-v5.ts';
