import type { Migration } from 'kysely';
import type { Logger } from 'pino';
import type {
  Actor,
  Channel,
  Currency,
  DisputeOutcome,
  JsonValue,
  SimulationSettings,
  TransactionKind,
  TransactionState,
  TransactionStatus,
} from '@tracktrove/domain';
import type { EventStore, Page, StoreDatabase } from '@tracktrove/event-store';
import type { CommandResult, IdempotencyRequest } from '@tracktrove/commands';
import type {
  DeliveryAttemptView,
  DeliveryView,
  FailureSettings,
  ListDeliveriesOptions,
  ReceiveResult,
  WebhookTransport,
} from '@tracktrove/simulator';
import type { AdvanceResult, ClockAdvance, FiredBy, RedisSentinelTarget } from '@tracktrove/timers';
import type { CandidateSync, ListSettlementBatchesOptions, SettlementBatchView, SettlementRunResult } from './settlement/index.ts';
import type { DeliveryFilter, EndpointChanges, EndpointDeliveryView, EndpointView, NewEndpoint } from '@tracktrove/endpoints';

/** A developer's webhook endpoints: changes are events (endpoint-<id>) with who made them. */
export interface WebhookEndpointsApi {
  list(): Promise<EndpointView[]>;
  get(endpointId: string): Promise<EndpointView>;
  /** The secret is in this answer only. */
  create(input: NewEndpoint, actor: Actor): Promise<EndpointView & { secret: string }>;
  update(endpointId: string, changes: EndpointChanges, actor: Actor): Promise<EndpointView>;
  delete(endpointId: string, actor: Actor): Promise<void>;
  rotateSecret(endpointId: string, actor: Actor): Promise<{ secret: string }>;
  /** One more attempt of every failed delivery of the endpoint created since `since`; answers how many. */
  redeliverFailed(endpointId: string, since: string): Promise<number>;
}

/** The endpoints' delivery log, and redelivery of one. */
export interface EndpointDeliveriesApi {
  list(filter?: DeliveryFilter): Promise<Page<EndpointDeliveryView>>;
  get(deliveryId: string): Promise<EndpointDeliveryView>;
  /** One more attempt, due now (202: it runs after the answer). */
  redeliver(deliveryId: string): Promise<EndpointDeliveryView>;
}

/** The application's public interface: what the API and the CLI call, and how it is configured. */

export type SimulationInput = Partial<Omit<SimulationSettings, 'webhook'>> & { webhook?: Partial<SimulationSettings['webhook']> };

/** Already validated by the API (zod); amounts in minor units. */
export interface InitiateInput {
  readonly transactionId?: string;
  readonly vendorId: string;
  readonly payerId?: string | null;
  readonly amountMinor: number;
  readonly currency: Currency;
  readonly channel: Channel;
  readonly kind: TransactionKind;
  readonly payload: JsonValue;
  readonly serviceContext?: string | null;
  readonly simulation?: SimulationInput;
}

export interface TrackTroveDefaults {
  readonly escrowTtlMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly amountLimits: { readonly minMinor: number; readonly maxMinor: number };
  /** T+1 cut-off, hour of the day (UTC): completed before it on day T settles on T+1, after it on T+2. Default 0 (midnight). */
  readonly settlementCutoffHourUtc?: number;
}

export interface TrackTroveOptions {
  readonly database: StoreDatabase;
  readonly store: EventStore;
  /** Unset (and no redisSentinel): in-process timers plus the PostgreSQL sweeper. */
  readonly redisUrl?: string;
  /** Redis behind Sentinel, instead of redisUrl: the holds' fast path follows the master through a failover. */
  readonly redisSentinel?: RedisSentinelTarget;
  readonly webhookSecret: string;
  /** How the simulated gateway reaches POST /api/webhooks/gateway; default: an in-process call of receiveWebhook. */
  readonly webhookTransport?: WebhookTransport;
  readonly webhookUrl?: string;
  readonly defaults: TrackTroveDefaults;
  readonly logger?: Logger;
  /** The idempotency store's bounds: keys beyond maxKeys go oldest first, checked every expiryIntervalMs (with the 24 h retention). */
  readonly idempotency?: { readonly maxKeys?: number; readonly expiryIntervalMs?: number };
  readonly timers?: {
    readonly sweepIntervalMs?: number;
    /** Sorted-set poll of the Redis fast path; 0 = keyspace notifications only. */
    readonly redisPollIntervalMs?: number;
    /** Run T+1 settlement when the sandbox date changes (default true). */
    readonly dailySettlement?: boolean;
    readonly redisKeyPrefix?: string;
  };
  /** Deliveries to developers' webhook endpoints (docs/webhooks.md). */
  readonly endpoints?: {
    /** Hosts besides loopback a URL may name (WEBHOOK_ALLOWED_HOSTS). */
    readonly allowedHosts?: readonly string[];
    /** One attempt's timeout (default 10 s, at most 30 s). */
    readonly timeoutMs?: number;
    /** The pause before a slow delivery's body (default 2 s). */
    readonly slowMs?: number;
    /** How long a claimed delivery is held before another process may attempt it (default: timeout + slow pause + 5 s). */
    readonly leaseMs?: number;
    /** Attempt deliveries in this process (default true). */
    readonly dispatch?: boolean;
  };
}

export interface CommandOptions {
  readonly correlationId?: string;
  readonly idempotency?: IdempotencyRequest;
  readonly expectedVersion?: number;
  /** The request's W3C `traceparent`; kept in the events' metadata when valid, ignored otherwise. */
  readonly traceparent?: string | null;
}

export type TransactionResult = CommandResult<TransactionState>;

export interface Readiness {
  readonly redis: { readonly status: 'up' | 'down' | 'disabled' | 'simulated_down'; readonly detail: string };
  readonly timers: {
    readonly status: 'running' | 'stopped' | 'degraded';
    readonly detail: string;
    readonly pending: number;
    readonly overdue: number;
    readonly lastSweepAt: string | null;
  };
}

export interface TrackTrove {
  readonly migrations: Record<string, Migration>;
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): Promise<Readiness>;
  pendingHolds(): Promise<number>;
  /** Timers this process fired since it started, by the path that found them (redis_notification, redis_poll, sweeper...). */
  timersFired(): Readonly<Partial<Record<FiredBy, number>>>;
  initiate(input: InitiateInput, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  confirm(transactionId: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  retry(transactionId: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  refund(transactionId: string, reason: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  openDispute(transactionId: string, reason: string, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  resolveDispute(transactionId: string, outcome: DisputeOutcome, actor: Actor, options?: CommandOptions): Promise<TransactionResult>;
  override(
    transactionId: string,
    to: TransactionStatus,
    reason: string,
    actor: Actor,
    options?: CommandOptions,
  ): Promise<TransactionResult>;
  runSettlement(options?: { settlementDate?: string; actor?: Actor; correlationId?: string }): Promise<SettlementRunResult>;
  /** Settlement batches, latest first, a page at a time (pass the previous page's nextCursor as `cursor`). */
  listSettlementBatches(options?: ListSettlementBatchesOptions): Promise<Page<SettlementBatchView>>;
  /** Puts these transactions' settlement candidates right from their states (what verify's `settlement_candidates` reports). */
  syncSettlementCandidates(transactionIds: readonly string[]): Promise<CandidateSync>;
  readonly clock: {
    now(): Promise<Date>;
    /** Sandbox now with the offset this process last read (at most one sweep old), without I/O. */
    nowCached(): Date;
    advance(advance: ClockAdvance, actor?: Actor, correlationId?: string): Promise<AdvanceResult>;
  };
  readonly failures: {
    get(): Promise<FailureSettings>;
    put(settings: unknown): Promise<FailureSettings>;
  };
  /** A gateway webhook; a valid W3C `traceparent` of its request is kept in the events' metadata. */
  receiveWebhook(input: {
    rawBody: string;
    signatureHeader: string | undefined | null;
    traceparent?: string | null;
  }): Promise<ReceiveResult>;
  /** The delivery log, a page at a time (pass the previous page's nextCursor as `cursor`). */
  listDeliveries(options?: ListDeliveriesOptions): Promise<Page<DeliveryView>>;
  redeliver(deliveryId: string): Promise<DeliveryAttemptView>;
  /** A developer's webhook endpoints (operator reads, admin changes). */
  readonly webhookEndpoints: WebhookEndpointsApi;
  /** Deliveries to those endpoints, each with its attempts. */
  readonly endpointDeliveries: EndpointDeliveriesApi;
  /** Read models this package adds to the projection runtime (none: its logs are tables written with the events). */
  readonly projections: readonly never[];
}
