import { z } from 'zod';
import { endpointEventTypes, maxEndpointUrlLength } from '@tracktrove/webhooks';
import { TransactionViewSchema } from './views.ts';

/** The webhook endpoints contract (docs/webhooks.md). */
export const EndpointEventTypeSchema = z.enum(endpointEventTypes);

const rate = z.number().min(0).max(1);
const delayMs = z.number().int().min(0).max(86_400_000);

export const FailuresSchema = z.object({
  dropRate: rate,
  duplicateRate: rate,
  delayMs,
  reorder: z.boolean(),
  slowRate: rate,
});

/** Any of the failures; the others keep their values (0 / false on creation). */
export const FailuresInputSchema = FailuresSchema.partial().strict();

export const EndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(EndpointEventTypeSchema).describe('empty: every type'),
  enabled: z.boolean(),
  failures: FailuresSchema,
  secretHint: z.string().describe('"…" and the last four characters of the secret'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const UrlSchema = z.string().min(1).max(maxEndpointUrlLength);
const DescriptionSchema = z.string().max(500);
const EventTypesSchema = z.array(EndpointEventTypeSchema).max(endpointEventTypes.length * 2);

export const CreateEndpointBody = z
  .object({
    url: UrlSchema.describe('http or https; loopback hosts only, unless the host is in WEBHOOK_ALLOWED_HOSTS'),
    description: DescriptionSchema.optional(),
    eventTypes: EventTypesSchema.optional().describe('omitted or empty: every type'),
    failures: FailuresInputSchema.optional(),
  })
  .strict();

export const UpdateEndpointBody = z
  .object({
    url: UrlSchema,
    description: DescriptionSchema,
    eventTypes: EventTypesSchema,
    failures: FailuresInputSchema,
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export const SecretSchema = z.object({ secret: z.string() });

export const IsoTimeSchema = z.string().datetime({ offset: true });

export const RedeliverFailedBody = z.object({ since: IsoTimeSchema }).strict();

export const AttemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  request: z.object({ headers: z.record(z.string(), z.string()), body: z.string() }),
  status: z.number().int().nullable(),
  responseBody: z.string().describe('the first 4 KiB of the answer'),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

export const EndpointDeliverySchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventPosition: z.string(),
  transactionId: z.string(),
  type: EndpointEventTypeSchema,
  status: z.enum(['scheduled', 'retrying', 'delivered', 'failed', 'dropped']),
  injected: z.object({
    dropped: z.boolean(),
    duplicateOf: z.string().nullable(),
    delayMs: z.number().int(),
    reordered: z.boolean(),
    slow: z.boolean(),
  }),
  traceparent: z.string(),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  attempts: z.array(AttemptSchema),
});

/** The body each delivery POSTs to the endpoint (documented here; no route answers it). */
export const DeliveryBodySchema = z.object({
  id: z.string().describe('the event id, evt_<uuid>; a duplicate delivery has the same'),
  type: EndpointEventTypeSchema,
  createdAt: z.string().describe('sandbox time of the event'),
  position: z.string().describe('the event position in the log'),
  transactionId: z.string(),
  previousStatus: z.string().nullable(),
  data: z.object({ transaction: TransactionViewSchema.describe('as GET /api/transactions/:id shows it at that version') }),
});
