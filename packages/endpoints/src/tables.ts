import type { DefaultedColumn, Int8Column } from '@tracktrove/event-store';

/** tt_webhook_endpoints: a developer's endpoints; the secret lives here only. */
export type WebhookEndpointsTable = {
  endpoint_id: string;
  url: string;
  description: DefaultedColumn<string>;
  event_types: DefaultedColumn<string[]>;
  failures: unknown;
  enabled: DefaultedColumn<boolean>;
  secret: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

/** tt_endpoint_deliveries: one row per (event, endpoint), plus injected duplicates; its own queue entry. */
export type EndpointDeliveriesTable = {
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  transaction_id: string;
  stream_version: Int8Column;
  tx_id: string;
  seq: Int8Column;
  type: string;
  traceparent: string | null;
  duplicate_of: string | null;
  injected: unknown;
  body: string | null;
  status: string;
  attempts: DefaultedColumn<number>;
  max_attempts: number | null;
  next_attempt_at: Date | null;
  lease_until: Date | null;
  created_at: Date;
};

/** tt_endpoint_attempts: every attempt of a delivery, request and answer. */
export type EndpointAttemptsTable = {
  delivery_id: string;
  attempt: number;
  at: Date;
  request: unknown;
  status_code: number | null;
  response_body: DefaultedColumn<string>;
  latency_ms: number;
  error: string | null;
  next_attempt_at: Date | null;
};

/** The tables the endpoints package owns (migrations.ts), as kysely sees them. */
export type EndpointTables = {
  tt_webhook_endpoints: WebhookEndpointsTable;
  tt_endpoint_deliveries: EndpointDeliveriesTable;
  tt_endpoint_attempts: EndpointAttemptsTable;
};
