import type { InitiateInput } from '@tracktrove/application';
import type { TransactionState } from '@tracktrove/domain';
import type { RecordedEvent } from '@tracktrove/event-store';
import type { FailureSettings } from '@tracktrove/simulator';

/**
 * What a simulation asks of TrackTrove: the same few things whether the CLI has the database itself
 * or goes through a running server's HTTP API.
 */
export interface SimulationBackend {
  failures(): Promise<FailureSettings>;
  /** Initiates a transaction and answers its id. */
  initiate(input: InitiateInput, correlationId: string): Promise<string>;
  refund(transactionId: string, reason: string, correlationId: string): Promise<void>;
  /** The sandbox clock's now, epoch ms. */
  now(): Promise<number>;
  /** Advances the sandbox clock by ms, firing the timers due on the way. */
  advance(ms: number, correlationId: string): Promise<{ readonly advancedMs: number; readonly firedTimers: number }>;
  /** The transactions' current states, folded from their events; unknown ids are left out. */
  states(transactionIds: readonly string[]): Promise<Map<string, TransactionState>>;
  /** The transactions' events, in stream order, by transaction id. */
  events(transactionIds: readonly string[]): Promise<Map<string, readonly RecordedEvent[]>>;
  close(): Promise<void>;
}
