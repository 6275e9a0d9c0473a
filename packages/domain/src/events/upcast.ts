import { ValidationError } from '../errors.ts';
import type { JsonValue } from '../json.ts';
import { defaultRetryPolicy, defaultSimulation } from './transaction-initiated.ts';
import { eventSchemaVersions, isTransactionEventType, type TransactionEventType } from './transaction-event.ts';

type JsonObject = { [key: string]: JsonValue };

/** Turns data of version n into data of version n + 1. Pure; never validates. */
export type Upcaster = (data: JsonObject) => JsonObject;

/**
 * upcasters[type][n - 1] upcasts version n to n + 1, so the list's length is
 * always eventSchemaVersions[type] - 1. History is never rewritten: old
 * events are upcast on read.
 */
export const upcasters: Record<TransactionEventType, readonly Upcaster[]> = {
  TransactionInitiated: [
    // v1 -> v2: v1 predates kinds, failure injection and configurable retries.
    (data) => ({
      kind: 'PAYMENT',
      simulation: defaultSimulation,
      retryPolicy: defaultRetryPolicy,
      ...data,
    }),
  ],
  EscrowHoldPlaced: [],
  AuthorizationDeclined: [],
  RetryScheduled: [],
  RetriesExhausted: [],
  EscrowHoldPosted: [],
  EscrowHoldVoided: [],
  TransactionSettled: [],
  RefundRequested: [],
  RefundSucceeded: [],
  RefundFailed: [],
  DisputeOpened: [],
  DisputeResolved: [],
  StatusOverridden: [],
};

export type StoredEvent = { type: string; schemaVersion: number; data: unknown };

/** Brings stored data to the current schema version of its type (does not validate it). */
export function upcastEvent(stored: StoredEvent): { type: TransactionEventType; schemaVersion: number; data: unknown } {
  const { type, schemaVersion } = stored;
  if (!isTransactionEventType(type)) {
    throw new ValidationError([{ path: 'type', message: `unknown event type ${String(type)}` }]);
  }
  const current = eventSchemaVersions[type];
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current) {
    throw new ValidationError([{ path: 'schemaVersion', message: `${type} has versions 1..${current}, got ${String(schemaVersion)}` }]);
  }
  let data = stored.data;
  for (let version = schemaVersion; version < current; version += 1) {
    const upcaster = upcasters[type][version - 1];
    if (!upcaster) throw new ValidationError([{ path: 'schemaVersion', message: `no upcaster for ${type} v${version}` }]);
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new ValidationError([{ path: 'data', message: 'must be an object' }]);
    }
    data = upcaster(data as JsonObject);
  }
  return { type, schemaVersion: current, data };
}
