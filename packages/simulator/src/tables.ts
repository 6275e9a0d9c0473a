import type { DefaultedColumn, OneRowTable } from '@tracktrove/event-store';

/** tt_failure_settings: the global failure-injection settings. */
export type FailureSettingsTable = OneRowTable<{ settings: unknown; updated_at: DefaultedColumn<Date> }>;

/** tt_webhook_secret: the webhook secret made for this database when none is configured. */
export type WebhookSecretTable = OneRowTable<{ secret: string; created_at: DefaultedColumn<Date> }>;

/** tt_webhook_deliveries: the simulated gateway's webhooks, one row per delivery. */
export type WebhookDeliveriesTable = {
  delivery_id: string;
  ref: string;
  webhook_id: string;
  transaction_id: string;
  type: string;
  body: string;
  url: string;
  injection: unknown;
  status: string;
  attempts: DefaultedColumn<number>;
  due_at: Date;
  next_retry_at: Date | null;
  created_at: Date;
  traceparent: string | null;
};

/** tt_webhook_attempts: every attempt of a gateway webhook delivery. */
export type WebhookAttemptsTable = {
  delivery_id: string;
  attempt: number;
  at: Date;
  request: unknown;
  response: unknown;
  status_code: number | null;
  outcome: string;
  dropped: boolean;
  error: string | null;
  next_retry_at: Date | null;
};

/** tt_webhook_receipts: webhook ids received, so a duplicate changes nothing. */
export type WebhookReceiptsTable = {
  webhook_id: string;
  transaction_id: string;
  type: string;
  outcome: string;
  note: string | null;
  received_at: DefaultedColumn<Date>;
};

/** The tables the simulator owns (migrations.ts, webhook-secret.ts), as kysely sees them. */
export type SimulatorTables = {
  tt_failure_settings: FailureSettingsTable;
  tt_webhook_deliveries: WebhookDeliveriesTable;
  tt_webhook_attempts: WebhookAttemptsTable;
  tt_webhook_receipts: WebhookReceiptsTable;
  tt_webhook_secret: WebhookSecretTable;
};
