import { z } from 'zod';
import { decodePosition, isPosition } from '@tracktrove/event-store';

const maxSequence = 2n ** 63n - 1n;

/** A position the log can hold: the event store's form, with a sequence number within PostgreSQL's bigint. */
export function isLogPosition(value: string): boolean {
  return isPosition(value) && decodePosition(value).seq <= maxSequence;
}

export const PositionSchema = z.string().refine((value) => isLogPosition(value), { message: 'must be a position returned by the API' });
export const FromSchema = z.union([z.literal('start'), PositionSchema]);
/**
 * A list's `limit` from the query string: digits only, 1 to 500. Not `z.coerce.number()`, which reads
 * ' 5', '5 ', '0x10' and '1e2' as numbers and so answers a malformed query with a page. The OpenAPI
 * document keeps showing it as the integer it is (not the string it arrives as).
 */
export const LimitSchema = z
  .string()
  .regex(/^[0-9]+$/, 'must be a whole number written in digits')
  .transform(Number)
  .pipe(z.number().int().min(1).max(500))
  .meta({ type: 'integer', minimum: 1, maximum: 500, pattern: undefined });
/** A list's `cursor`: the previous page's nextCursor, opaque. */
export const CursorSchema = z.string().min(1).max(400);
/**
 * A UUID in any letter case (RFC 9562 reads them case-insensitively), as the lower case the system
 * stores. Any 8-4-4-4-12 hex form: clients' ids (vendors, payers) need not carry RFC version and
 * variant bits; placeholders such as 11111111-1111-1111-1111-111111111111 are common in test data.
 */
export const UuidSchema = z.guid().toLowerCase();

/** Comma-separated list of event types in a query string. */
export const TypesSchema = z
  .string()
  .max(2_000)
  .transform((value) =>
    value
      .split(',')
      .map((type) => type.trim())
      .filter((type) => type.length > 0),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,99}$/, 'is not an event type')).max(50));

export const EventViewSchema = z.object({
  /** The event's id (a UUID): a webhook delivery of the event is `evt_<eventId>`. */
  eventId: z.string(),
  position: z.string(),
  streamId: z.string(),
  version: z.number().int(),
  type: z.string(),
  schemaVersion: z.number().int(),
  data: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
  recordedAt: z.string(),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
  /** The same text as `detail`, for clients that read an error body's `message`. */
  message: z.string(),
});

export const MinPositionQuery = { minPosition: PositionSchema.optional() };
