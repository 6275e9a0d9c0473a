export { appendToStreams, isMissingEventPartition } from './append-ensuring-partitions.ts';
export {
  advanceCheckpoint,
  CheckpointMovedError,
  deleteCheckpoint,
  ensureCheckpoint,
  loadCheckpoint,
  storeCheckpoint,
} from './checkpoints.ts';
export { decodeCursor, defaultPageSize, encodeCursor, InvalidCursorError, maxPageSize, pageSize, type Page } from './cursor.ts';
export { appendChannel, type AdvisoryLock, type StoreDatabase } from './database.ts';
export {
  acquireDataDirLock,
  DataDirLockedError,
  lockPathOf,
  readDataDirHolder,
  type DataDirHolder,
  type DataDirLock,
} from './data-dir-lock.ts';
export { EventIdConflictError, InvalidAppendError, WrongExpectedVersionError } from './errors.ts';
export {
  ensureEventPartitions,
  eventPartitionDefaults,
  keepEventPartitionsAhead,
  listEventPartitions,
  type EventPartition,
  type EventPartitionOptions,
} from './event-partitions.ts';
export { createEventStore, type EventStore, type EventStoreOptions } from './event-store.ts';
export { limits as eventStoreLimits } from './limits.ts';
export { createLogWaker, type LogWaker } from './log-waker.ts';
export { eventStoreMigrations, migrateToLatest, MigrationFailedError } from './migrate.ts';
export { openDatabase, type OpenDatabaseOptions } from './open-database.ts';
export { createPgliteDatabase } from './pglite-database.ts';
export {
  comparePositions,
  decodePosition,
  encodePosition,
  InvalidPositionError,
  isPosition,
  startOfLog,
  type LogPosition,
} from './position.ts';
export { createPostgresDatabase, type PostgresOptions } from './postgres-database.ts';
export { readAllPages } from './read-all-pages.ts';
export {
  readAll,
  readAllTypes,
  readHeadPosition,
  readStream,
  readStreams,
  readVisibleHeadPosition,
  type ReadAllOptions,
  type ReadAllResult,
  type ReadAllTypesResult,
  type ReadStreamOptions,
} from './read-events.ts';
export type { EventStoreTables } from './schema.ts';
export { tablesOf, transactionTablesOf, type DefaultedColumn, type Int8Column, type OneRowTable, type Queryable } from './tables.ts';
export { subscribe, type Subscription, type SubscriptionOptions, type SubscriptionState, type SubscriptionStatus } from './subscribe.ts';
export type {
  AppendedEvent,
  AppendOptions,
  AppendResult,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  StreamAppend,
  Upcaster,
} from './types.ts';
