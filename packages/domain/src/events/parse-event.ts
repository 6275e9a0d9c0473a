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
