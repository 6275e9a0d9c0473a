/** Helpers with no knowledge of TrackTrove's domain or storage: batching, bounded concurrency, name-based ids, backoff, a seeded PRNG. */
export { backoffDelayMs } from './backoff.ts';
export { createGroupCommit, GroupCommitFullError, type BatchOutcome, type GroupCommitLimits } from './group-commit.ts';
export { repeatEvery } from './repeat-every.ts';
export { runBounded } from './run-bounded.ts';
export { seededRandom } from './seeded-random.ts';
export { trackTroveNamespace, uuidV5 } from './uuid-v5.ts';
