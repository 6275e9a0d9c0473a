import type { RawBuilder } from 'kysely';
import type { LogPosition } from './position.ts';

/** What the caller expects of a stream before appending. Versions start at 1; 0 means empty. */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

export interface NewEvent {
  /** Ids make appends idempotent; one is generated when absent. */
  readonly eventId?: string;
  readonly type: string;
  readonly schemaVersion?: number;
  readonly data: unknown;
  readonly metadata?: Record<string, unknown>;
}

export interface RecordedEvent<Data = unknown, Metadata = Record<string, unknown>> {
  readonly position: string;
  readonly logPosition: LogPosition;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: Data;
  readonly metadata: Metadata;
  readonly recordedAt: Date;
}

export interface AppendedEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly version: number;
  readonly position: string;
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** One entry per appended event, in the order given. */
  readonly events: readonly AppendedEvent[];
  /** Each stream's version after the append. */
  readonly streamVersions: Readonly<Record<string, number>>;
  /** The position of the last event of the call. */
  readonly position: string;
  /** True when every event was already stored: nothing was appended. */
  readonly replayed: boolean;
  /** What the `alongside` expression of AppendOptions returned (undefined without one, or when replayed). */
  readonly alongside?: unknown;
}

export interface AppendOptions {
  /**
   * A SQL expression (typically a call of the caller's function) evaluated once in the append's
   * own statement: it commits with the events or not at all, and costs no round trip of its own.
   * Its value is returned as AppendResult.alongside.
   */
  readonly alongside?: RawBuilder<unknown>;
}

export interface StreamAppend {
  readonly streamId: string;
  readonly expectedVersion?: ExpectedVersion;
  readonly events: readonly NewEvent[];
}

/** Brings an event written under an older schema version up to the current one, on read. */
export type Upcaster = (event: { type: string; schemaVersion: number; data: unknown }) => {
  type: string;
  schemaVersion: number;
  data: unknown;
};
