import { toTransactionEvent } from '@tracktrove/commands';
import {
  evolve,
  formatAmount,
  initialState,
  occurredAt,
  postingsFor,
  type LedgerEntry,
  type LifecycleStatus,
  type TransactionEvent,
  type TransactionState,
} from '@tracktrove/domain';
import type { RecordedEvent } from '@tracktrove/event-store';

/** One event of a transaction's timeline, as the terminal shows it. */
export interface TimelineEntry {
  readonly version: number;
  /** The event's business time (the sandbox clock's), ISO 8601. */
  readonly at: string;
  /** Business time since the transaction was initiated. */
  readonly elapsedMs: number;
  readonly type: string;
  readonly step: string;
  readonly service: string;
  readonly actor: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly statusBefore: LifecycleStatus;
  readonly statusAfter: LifecycleStatus;
  /** The ledger transfers the event made, in words ("hold 4.02 payer -> escrow"). */
  readonly money: readonly string[];
  /** What went wrong at this step: the step's error, a decline, a failed refund. */
  readonly error: string | null;
  /** What else the event says: a retry's due time, a hold's expiry, an outcome, a reason. */
  readonly note: string | null;
}

export interface Timeline {
  readonly state: TransactionState;
  readonly entries: readonly TimelineEntry[];
}

interface StepMetadata {
  readonly step?: string;
  readonly service?: string;
  readonly actor?: { readonly role: string; readonly id: string };
  readonly attempt?: number;
  readonly durationMs?: number;
  readonly error?: { readonly message: string } | null;
}

/** Folds a transaction's events into its timeline: each step with the status and money it moved. */
export function timelineOf(events: readonly RecordedEvent[]): Timeline {
  let state = initialState();
  let startedAtMs: number | null = null;
  const entries: TimelineEntry[] = [];
  for (const recorded of events) {
    const event = toTransactionEvent(recorded);
    const after = evolve(state, event);
    const at = occurredAt(event);
    startedAtMs ??= Date.parse(at);
    const metadata = recorded.metadata as StepMetadata;
    entries.push({
      version: recorded.version,
      at,
      elapsedMs: Date.parse(at) - startedAtMs,
      type: recorded.type,
      step: metadata.step ?? recorded.type,
      service: metadata.service ?? '',
      actor: metadata.actor ? `${metadata.actor.role}:${metadata.actor.id}` : '',
      attempt: metadata.attempt ?? 1,
      durationMs: metadata.durationMs ?? 0,
      statusBefore: state.status,
      statusAfter: after.status,
      money: postingsFor(state, event, after).map(describeTransfer),
      error: metadata.error?.message ?? errorOf(event),
      note: noteOf(event, startedAtMs),
    });
    state = after;
  }
  return { state, entries };
}

const phaseVerbs: Record<LedgerEntry['phase'], string> = {
  pending: 'hold',
  post_pending: 'post hold',
  void_pending: 'void hold',
  posted: 'move',
};

function describeTransfer(entry: LedgerEntry): string {
  const party = (account: string) => account.split(':')[0];
  return `${phaseVerbs[entry.phase]} ${formatAmount(entry.amountMinor, entry.currency)} ${party(entry.debitAccount)} -> ${party(entry.creditAccount)}`;
}

function errorOf(event: TransactionEvent): string | null {
  switch (event.type) {
    case 'AuthorizationDeclined':
      return `declined (${event.data.code}): ${event.data.reason}`;
    case 'RefundFailed':
      return `refund failed: ${event.data.reason}`;
    default:
      return null;
  }
}

function noteOf(event: TransactionEvent, startedAtMs: number): string | null {
  const since = (iso: string) => `+${formatDuration(Date.parse(iso) - startedAtMs)}`;
  switch (event.type) {
    case 'EscrowHoldPlaced':
      return `attempt ${event.data.attempt} approved; hold expires at ${since(event.data.expiresAt)}`;
    case 'RetryScheduled':
      return `attempt ${event.data.attempt} due at ${since(event.data.dueAt)}${event.data.forced ? ' (forced by an operator)' : ''}`;
    case 'RetriesExhausted':
      return `gave up after ${event.data.attempts} attempts`;
    case 'EscrowHoldPosted':
      return event.data.via === 'webhook' ? 'confirmed by the gateway webhook' : 'hold expired and was released: completed';
    case 'EscrowHoldVoided':
      return event.data.via === 'refund'
        ? `voided by a refund${event.data.reason ? `: ${event.data.reason}` : ''}`
        : 'hold expired: voided back to the payer';
    case 'TransactionSettled':
      return `settled for ${event.data.settlementDate} in batch ${event.data.batchId}`;
    case 'RefundRequested':
      return `refund requested: ${event.data.reason}`;
    case 'DisputeOpened':
      return `dispute opened: ${event.data.reason}`;
    case 'DisputeResolved':
      return `dispute ${event.data.outcome}${event.data.outcome === 'LOST' ? ' (chargeback to the payer)' : ' (funds stay)'}`;
    case 'StatusOverridden':
      return `override by ${event.data.actor.role}:${event.data.actor.id}: ${event.data.reason}`;
    default:
      return null;
  }
}

/** 850 ms, 12.5 s, 3 min 20 s, 2 h 5 min, 1 d 3 h. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((ms % 60_000) / 1_000)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
