import { z } from 'zod';
import { JsonValueSchema, type JsonValue } from '../json.ts';
import { ActorSchema, TraceparentSchema, type Actor } from './common.ts';

/** The simulated services that handle steps; `service` accepts any name, these are the usual ones. */
export type ServiceName = 'api' | 'gateway' | 'escrow' | 'settlement' | 'webhooks' | 'refunds' | 'disputes' | 'admin' | (string & {});

export const StepErrorSchema = z.object({ message: z.string(), stack: z.string() });
export type StepError = z.infer<typeof StepErrorSchema>;

/** Metadata on every event, kept apart from data: causality, actor and the step's trace. */
export const EventMetadataSchema = z.object({
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  actor: ActorSchema,
  step: z.string().min(1).max(200),
  service: z.string().min(1).max(100),
  dtoBefore: JsonValueSchema,
  dtoAfter: JsonValueSchema,
  error: StepErrorSchema.nullable(),
  attempt: z.number().int().min(0),
  durationMs: z.number().int().min(0),
  /**
   * The step's W3C `traceparent`: the request's own when it sent a valid one, else the
   * transaction's trace with this event's span (trace-context.ts). Absent on events from before
   * it was recorded, and on events outside a transaction's trace.
   */
  traceparent: TraceparentSchema.optional(),
});
export type EventMetadata = z.infer<typeof EventMetadataSchema>;

export type MetadataInput = {
  correlationId: string;
  causationId?: string | null;
  actor: Actor;
  step: string;
  service: ServiceName;
  dtoBefore?: JsonValue;
  dtoAfter?: JsonValue;
  error?: StepError | Error | null;
  attempt?: number;
  durationMs?: number;
  traceparent?: string | null;
};

/**
 * The metadata keys of a step's DTOs: most of an event's bytes, and needed only to show the step.
 * A fold of the stream and the read models' projections read events without them.
 */
export const stepDtoKeys: readonly string[] = ['dtoBefore', 'dtoAfter'];

/** The metadata without its DTOs, which buildMetadata takes as they are (see there). */
const MetadataFieldsSchema = EventMetadataSchema.omit({ dtoBefore: true, dtoAfter: true });

/**
 * Builds validated metadata; an Error becomes `{ message, stack }`. The DTOs are not walked again:
 * they come from dtoOf, JSON by construction (their payload was validated as JSON on the way in),
 * and checking them deeply on every event cost more than building them.
 */
export function buildMetadata(input: MetadataInput): EventMetadata {
  const error =
    input.error instanceof Error
      ? { message: input.error.message, stack: input.error.stack ?? `${input.error.name}: ${input.error.message}` }
      : (input.error ?? null);
  const candidate: Record<string, unknown> = {
    correlationId: input.correlationId,
    causationId: input.causationId ?? null,
    actor: input.actor,
    step: input.step,
    service: input.service,
    error,
    attempt: input.attempt ?? 1,
    durationMs: Math.max(0, Math.round(input.durationMs ?? 0)),
  };
  if (input.traceparent) candidate.traceparent = input.traceparent;
  // Object.assign rather than a spread followed by fields: V8 defines each field after a spread
  // one at a time, at about 1 us each, on every event.
  return Object.assign(MetadataFieldsSchema.parse(candidate), { dtoBefore: input.dtoBefore ?? null, dtoAfter: input.dtoAfter ?? null });
}
