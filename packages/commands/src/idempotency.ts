import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { IdempotencyKeyReusedError } from './errors.ts';
import type { CommandTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

export interface IdempotencyRequest {
  /** The client's key, scoped by the caller (e.g. with the route) so keys of different routes never meet. */
  readonly key: string;
  /** A hash of everything that makes the request what it is (see hashRequest). */
  readonly requestHash: string;
}

/**
 * A client's key has 1 to `maxKeyLength` characters; the key stored is that key with the caller's
 * scope before it (the route), at most `maxStoredKeyLength`: the client's limit is the one limit it meets.
 */
export const idempotencyLimits = { maxKeyLength: 255, maxStoredKeyLength: 512, retentionMs: 24 * 3_600_000 } as const;

/** A stable hash of a JSON value: object keys are sorted, so key order does not matter. */
export function hashRequest(value: unknown): string {
  const canonical = (input: unknown): unknown => {
    if (Array.isArray(input)) return input.map(canonical);
    if (input && typeof input === 'object') {
      return Object.fromEntries(
        Object.keys(input as object)
          .sort()
          .map((key) => [key, canonical((input as Record<string, unknown>)[key])]),
      );
    }
    return input;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value) ?? null))
    .digest('hex');
}

/**
 * Runs work once per key. The key is claimed in the transaction that does the work, so the stored
 * result commits with the events or not at all; a concurrent request with the same key waits for
 * the first and then gets its result. Same key, other request: IdempotencyKeyReusedError.
 */
export async function runIdempotent<T, DB extends CommandTables>(
  db: Queryable<DB>,
  request: IdempotencyRequest,
  work: (transaction: Transaction<DB>) => Promise<T>,
): Promise<{ result: T; replayed: boolean }> {
  assertKeyLength(request);
  return db.transaction().execute(async (transaction) => {
    const claimed = await sql<{ key: string }>`
      insert into tt_idempotency (key, request_hash, result) values (${request.key}, ${request.requestHash}, 'null'::jsonb)
      on conflict (key) do nothing returning key`.execute(transaction);
    if (claimed.rows.length === 0) {
      const stored = await sql<{
        request_hash: string;
        result: T;
      }>`select request_hash, result from tt_idempotency where key = ${request.key}`.execute(transaction);
      const row = stored.rows[0];
      if (!row) throw new Error(`idempotency key ${request.key} vanished`);
      if (row.request_hash !== request.requestHash) throw new IdempotencyKeyReusedError(request.key);
      return { result: row.result, replayed: true };
    }
    const result = await work(transaction);
    await sql`update tt_idempotency set result = ${JSON.stringify(result)}::jsonb where key = ${request.key}`.execute(transaction);
    return { result, replayed: false };
  });
}

/**
 * Once per key, for work that commits in transactions of its own and is idempotent by itself (the
 * manual confirmation goes through the webhook path): a stored result is replayed, otherwise the
 * work runs and its result is stored after it. Two requests with one key at the same moment may both
 * run the work; the result stored first answers both.
 */
export async function runIdempotentAround<T, DB extends CommandTables>(
  db: Queryable<DB>,
  request: IdempotencyRequest,
  work: () => Promise<T>,
): Promise<{ result: T; replayed: boolean }> {
  assertKeyLength(request);
  const earlier = await storedResult<T, DB>(db, request);
  if (earlier !== undefined) return { result: earlier, replayed: true };
  const result = await work();
  const stored = await sql<{ key: string }>`
    insert into tt_idempotency (key, request_hash, result) values (${request.key}, ${request.requestHash}, ${JSON.stringify(result)}::jsonb)
    on conflict (key) do nothing returning key`.execute(db);
  if (stored.rows.length > 0) return { result, replayed: false };
  return { result: (await storedResult<T, DB>(db, request)) ?? result, replayed: true };
}

/** The result stored under the key, undefined when there is none; another request's key is an IdempotencyKeyReusedError. */
async function storedResult<T, DB extends CommandTables>(db: Queryable<DB>, request: IdempotencyRequest): Promise<T | undefined> {
  const stored = await sql<{
    request_hash: string;
    result: T;
  }>`select request_hash, result from tt_idempotency where key = ${request.key}`.execute(db);
  const row = stored.rows[0];
  if (!row) return undefined;
  if (row.request_hash !== request.requestHash) throw new IdempotencyKeyReusedError(request.key);
  return row.result;
}

function assertKeyLength(request: IdempotencyRequest): void {
  if (request.key.length === 0 || request.key.length > idempotencyLimits.maxStoredKeyLength) {
    throw Object.assign(new Error(`the scoped idempotency key must have 1 to ${idempotencyLimits.maxStoredKeyLength} characters`), {
      code: 'validation_failed',
      errors: [
        { path: 'headers.idempotency-key', message: `with its scope, must have 1 to ${idempotencyLimits.maxStoredKeyLength} characters` },
      ],
    });
  }
}

/** Forgets keys older than the retention; answers how many went. */
export async function expireIdempotencyKeys<DB extends CommandTables>(
  db: Queryable<DB>,
  now: Date,
  retentionMs: number = idempotencyLimits.retentionMs,
): Promise<number> {
  const result = await sql`delete from tt_idempotency where created_at < ${new Date(now.getTime() - retentionMs)}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
