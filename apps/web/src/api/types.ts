/** Shapes of the HTTP and WebSocket contract (shared/spec/api.md). */

export const transactionStatuses = [
  'INITIATED',
  'ESCROW',
  'COMPLETED',
  'SETTLED',
  'FAILED',
  'RETRY_PENDING',
  'PERMANENTLY_FAILED',
  'REFUNDED',
  'DISPUTE_OPEN',
  'DISPUTE_RESOLVED',
] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];

export const channels = ['WEB', 'MOBILE', 'API', 'POS'] as const;
export type Channel = (typeof channels)[number];

export const transactionKinds = ['TIP', 'BID_ADJUSTMENT', 'LOYALTY_CREDIT', 'PAYMENT'] as const;
export type TransactionKind = (typeof transactionKinds)[number];

/** Opaque: pass back as `from`, never do arithmetic on it. */
export type Position = string;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface TransactionError {
  message: string;
  stack?: string | null;
}

export interface Transaction {
  id: string;
  status: TransactionStatus;
  amount: string;
  amountMinor: number;
  currency: string;
  vendorId: string;
  payerId: string | null;
  channel: Channel;
  kind: TransactionKind;
  serviceContext: string | null;
  retryCount: number;
  version: number;
  position: Position;
  createdAt: string;
  updatedAt: string;
  escrowExpiresAt: string | null;
  lastError: TransactionError | string | null;
}

export interface Actor {
  role: string;
  id?: string | null;
}

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: Actor;
  step?: string;
  service?: string;
  attempt?: number;
  durationMs?: number;
  [key: string]: unknown;
}

export interface StoredEvent {
  position: Position;
  streamId: string;
  version: number;
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recordedAt: string;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: JsonValue;
}

export interface Trace {
  version: number;
  position: Position;
  step: string;
  service: string;
  at: string;
  attempt: number;
  durationMs: number;
  dtoBefore: JsonValue;
  dtoAfter: JsonValue;
  diff: JsonPatchOperation[];
  error: TransactionError | null;
}

export interface LedgerEntry {
  id: string;
  transactionId: string;
  type: string;
  debitAccount: string;
  creditAccount: string;
  amount: string;
  amountMinor: number;
  currency: string;
  pending: boolean;
  /**
   * Two-phase transfers: `pending` places a hold, `post_pending` posts it, `void_pending` releases it
   * (nothing moves); `posted` is a single-phase transfer. Absent from older servers.
   */
  phase?: LedgerPhase | string;
  position: Position;
  at: string;
}

export type LedgerPhase = 'pending' | 'post_pending' | 'void_pending' | 'posted';

/** Sums in minor units, as integers. */
export interface AccountBalance {
  account: string;
  currency?: string;
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
  balance: number;
}

export interface BalanceTotals {
  debitsPosted: number;
  creditsPosted: number;
  debitsPending: number;
  creditsPending: number;
}

export interface Balances {
  accounts: AccountBalance[];
  /** Debits and credits only balance within one currency. */
  totalsByCurrency: Record<string, BalanceTotals>;
  /** All currencies added up; meaningful only with one currency. */
  totals: BalanceTotals;
  asOf?: Position | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SimulationSettings {
  successRate?: number;
  seed?: number;
  escrowTtlMs?: number;
  onHoldExpiry?: 'release' | 'void';
  webhook?: { dropRate?: number; duplicateRate?: number; delayMs?: number };
  dropExpiryNotification?: boolean;
  refundFailureRate?: number;
}

export interface InitiateRequest {
  vendorId: string;
  payerId?: string;
  amount: string;
  currency?: string;
  channel: Channel;
  kind?: TransactionKind;
  payload?: JsonValue;
  serviceContext?: string;
  simulation?: SimulationSettings;
}

export type DisputeOutcome = 'WON' | 'LOST';

export interface SettlementResult {
  batchIds: string[];
  settledCount: number;
  totals: unknown;
}

export interface SandboxClock {
  now: string;
}

export interface ProjectionStatus {
  name: string;
  position: Position | null;
  lag: number | null;
  status: 'live' | 'rebuilding' | string;
  progress: number | null;
}

/** Global failure injection (GET/PUT /api/admin/failures); null: each transaction's own setting. */
export interface FailureSettings {
  successRate: number | null;
  webhook: { dropRate: number | null; duplicateRate: number | null; delayMs: number | null; reorder: boolean };
  dropExpiryNotification: boolean;
  redisDown: boolean;
  gatewayLatencyMs: number;
  refundFailureRate: number | null;
}

export type VerifyReport = JsonValue;

export type StreamMessage =
  | { kind: 'event'; event: StoredEvent }
  | { kind: 'caught-up'; position: Position | null }
  | { kind: 'heartbeat'; at: string }
  | { kind: 'projection'; name: string; status: string; position: Position | null; progress: number | null };

/** One attempt to deliver a webhook: what was sent and answered, or why not. */
export interface WebhookDeliveryAttempt {
  attempt: number;
  at: string;
  request: { url: string; headers: Record<string, string>; body: string } | null;
  response: { status: number; body: string } | null;
  status: number | null;
  outcome: 'delivered' | 'failed' | 'dropped' | string;
  dropped: boolean;
  error: string | null;
  nextRetryAt: string | null;
}

/** GET /api/webhooks/deliveries: a gateway callback, the failure injection decided for it, and every attempt. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  transactionId: string;
  type: string;
  url: string;
  status: 'scheduled' | 'delivered' | 'retrying' | 'failed' | 'dropped' | string;
  dueAt: string;
  nextRetryAt: string | null;
  injection: { dropped: boolean; duplicateOf: string | null; extraDelayMs: number; reason: string | null };
  attemptCount: number;
  attempts: WebhookDeliveryAttempt[];
  createdAt: string;
}
