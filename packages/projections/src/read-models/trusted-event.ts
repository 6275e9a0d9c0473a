import { upcastEvent, type TransactionEvent } from '@tracktrove/domain';

/**
 * A stored transaction event, upcast to its current schema but not validated: the log was
 * validated when it was written, so folding it again in a read model need not pay for zod on every
 * event. Use parseEvent wherever the input is not the store's own log (and in verify, which folds
 * the log independently of the read models).
 */
export function parseEventTrusted(type: string, schemaVersion: number, data: unknown): TransactionEvent {
  const upcast = upcastEvent({ type, schemaVersion, data });
  return { type: upcast.type, data: upcast.data } as TransactionEvent;
}
