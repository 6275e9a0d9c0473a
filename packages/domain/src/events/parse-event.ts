import { ValidationError } from '../errors.ts';
import { eventDataSchemas, type TransactionEvent } from './transaction-event.ts';
import { upcastEvent } from './upcast.ts';

/** Upcasts stored data to the current version, then validates it. Throws ValidationError. */
export function parseEvent(type: string, schemaVersion: number, data: unknown): TransactionEvent {
  const upcast = upcastEvent({ type, schemaVersion, data });
  const result = eventDataSchemas[upcast.type].safeParse(upcast.data);
  if (!result.success) {
    throw new ValidationError(
      result.error.issues.map((issue) => ({ path: ['data', ...issue.path.map(String)].join('.'), message: issue.message })),
    );
  }
  return { type: upcast.type, data: result.data } as TransactionEvent;
}

/**
 * A stored event upcast to its current schema but not validated: the store's own log was validated
 * when it was written, so folding it again (to decide a command, to build a read model) need not
 * pay for zod on every event. Use parseEvent wherever the input is not the store's own log (and in
 * verify, which folds the log independently of everything else).
 */
export function parseEventTrusted(type: string, schemaVersion: number, data: unknown): TransactionEvent {
  const upcast = upcastEvent({ type, schemaVersion, data });
  return { type: upcast.type, data: upcast.data } as TransactionEvent;
}
