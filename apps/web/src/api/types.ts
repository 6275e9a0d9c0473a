/**
 * Shapes of the HTTP and WebSocket contract, as the viewer uses them. The HTTP shapes are read off
 * the server's OpenAPI document (openapi.ts, generated from the routes' zod schemas); the lists of
 * statuses, channels and kinds come from the domain. Only the WebSocket's messages, which the
 * OpenAPI document does not describe, are written here.
 */
import { channels, transactionKinds, transactionStatuses, type JsonValue, type TransactionStatus } from '@tracktrove/domain';
import type { JsonPatchOperation } from '../json/json-patch.ts';
import type { paths } from './openapi.ts';

export { channels, transactionKinds, transactionStatuses };
export type { Channel, JsonValue, TransactionKind, TransactionStatus } from '@tracktrove/domain';

type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];

/** The JSON a route answers with 200 (or 201, 202 for commands). */
export type ResponseOf<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: { content: { 'application/json': infer T } } }
      ? T
      : R extends { 201: { content: { 'application/json': infer T } } }
        ? T
        : R extends { 202: { content: { 'application/json': infer T } } }
          ? T
          : never
    : never;

/** The JSON body a route takes. */
export type RequestOf<P extends keyof paths, M extends keyof paths[P]> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer T } } } ? T : never;

/** Opaque: pass back as `from`, never do arithmetic on it. */
export type Position = string;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type ItemOf<T> = T extends { items: Array<infer I> } ? I : T extends Array<infer I> ? I : never;

/** A transaction as the API shows it; its status is one of the domain's. */
export type Transaction = Omit<ResponseOf<'/api/transactions/{id}', 'get'>, 'status'> & { status: TransactionStatus };
type TraceResponse = ItemOf<ResponseOf<'/api/transactions/{id}/traces', 'get'>>;
/** A trace step; its DTOs are JSON, and its diff an RFC 6902 patch between them. */
export type Trace = Omit<TraceResponse, 'dtoBefore' | 'dtoAfter' | 'diff'> & {
  dtoBefore: JsonValue;
  dtoAfter: JsonValue;
  diff: JsonPatchOperation[];
};
export type Actor = NonNullable<Trace['actor']>;
export type { JsonPatchOperation };
/**
 * An event's metadata is an open map (api.md): a transaction event's carries these keys (the
 * domain's EventMetadata), other streams' events may carry none of them. What the viewer reads.
 */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string | null;
  actor?: Actor;
  step?: string;
  service?: string;
  attempt?: number;
  durationMs?: number;
  dtoBefore?: JsonValue;
  dtoAfter?: JsonValue;
  error?: { message: string; stack?: string | null } | null;
  /** The step's W3C traceparent: the transaction's trace, with the step's span. */
  traceparent?: string;
  [key: string]: unknown;
}
type EventResponse = ItemOf<ResponseOf<'/api/transactions/{id}/events', 'get'>>;
/** An event as the API shows it; its data is a JSON object. */
export type StoredEvent = Omit<EventResponse, 'data' | 'metadata'> & { data: Record<string, unknown>; metadata: EventMetadata };
export type LedgerEntry = ItemOf<ResponseOf<'/api/ledger', 'get'>>;
export type LedgerPhase = 'pending' | 'post_pending' | 'void_pending' | 'posted';
export type InitiateRequest = RequestOf<'/api/transactions', 'post'>;
export type SimulationSettings = NonNullable<InitiateRequest['simulation']>;
export type DisputeOutcome = RequestOf<'/api/transactions/{id}/disputes/resolve', 'post'>['outcome'];
export type SettlementResult = ResponseOf<'/api/admin/settlement/run', 'post'>;
export type SandboxClock = ResponseOf<'/api/admin/clock', 'get'>;
export type ProjectionStatus = ItemOf<ResponseOf<'/api/admin/projections', 'get'>>;
/** How far a rebuild has come, as GET /api/admin/projections and the stream's projection messages tell it. */
export type RebuildProgress = NonNullable<ProjectionStatus['progress']>;
/** Global failure injection (GET/PUT /api/admin/failures); null: each transaction's own setting. */
export type FailureSettings = ResponseOf<'/api/admin/failures', 'get'>;
export type VerifyReport = ResponseOf<'/api/admin/verify', 'post'>;
/** GET /api/webhooks/deliveries: a gateway callback, the failure injection decided for it, and every attempt. */
export type WebhookDelivery = ItemOf<ResponseOf<'/api/webhooks/deliveries', 'get'>>;
/** One attempt to deliver a webhook: what was sent and answered, or why not. */
export type WebhookDeliveryAttempt = WebhookDelivery['attempts'][number];

/** What /api/stream sends (api.md, WebSocket): each event, then live ones; progress of rebuilds. */
export type StreamMessage =
  | { kind: 'event'; event: StoredEvent }
  | { kind: 'caught-up'; position: Position | null }
  | { kind: 'heartbeat'; at: string }
  | { kind: 'projection'; name: string; status: string; position: Position | null; progress: RebuildProgress | null };

/** A webhook endpoint (the developer's own service) as the API shows it: never its secret, only a hint. */
export type WebhookEndpoint = ItemOf<ResponseOf<'/api/webhook-endpoints', 'get'>>;
/** The answer to creating an endpoint: the only time its secret is shown. */
export type CreatedWebhookEndpoint = ResponseOf<'/api/webhook-endpoints', 'post'>;
export type WebhookEndpointInput = RequestOf<'/api/webhook-endpoints', 'post'>;
export type WebhookEndpointChange = RequestOf<'/api/webhook-endpoints/{id}', 'patch'>;
export type EndpointEventType = WebhookEndpoint['eventTypes'][number];
export type EndpointFailures = WebhookEndpoint['failures'];
/** One delivery of one event to one endpoint, with every attempt. */
export type EndpointDelivery = ItemOf<ResponseOf<'/api/endpoint-deliveries', 'get'>>;
export type EndpointDeliveryAttempt = EndpointDelivery['attempts'][number];
