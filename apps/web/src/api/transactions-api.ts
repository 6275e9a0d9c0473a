import { apiRequest } from './api-request.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type { DisputeOutcome, InitiateRequest, Page, StoredEvent, Trace, Transaction, TransactionStatus } from './types.ts';

export interface TransactionFilter {
  status?: TransactionStatus | '';
  vendorId?: string;
  limit?: number;
  cursor?: string | null;
}

const base = '/api/transactions';

export function listTransactions(filter: TransactionFilter, signal?: AbortSignal): Promise<Page<Transaction>> {
  return apiRequest<Page<Transaction>>(base, { query: { ...filter }, signal });
}

export interface TransactionRead {
  atVersion?: number;
  /** Wait (bounded, server side) until the read model has caught up to this position. */
  minPosition?: string;
}

export function getTransaction(id: string, read: TransactionRead = {}, signal?: AbortSignal): Promise<Transaction> {
  return apiRequest<Transaction>(`${base}/${encodeURIComponent(id)}`, { query: { ...read }, signal });
}

/** Events per request, the most the API sends in a page. */
const eventPageSize = 500;
/** Pages read for one transaction: 100,000 events, far beyond any ordinary transaction. */
const maxEventPages = 200;

/** Every event of the transaction, in stream order: page after page, following nextCursor. */
export async function getTransactionEvents(id: string, minPosition?: string, signal?: AbortSignal): Promise<StoredEvent[]> {
  const path = `${base}/${encodeURIComponent(id)}/events`;
  const events: StoredEvent[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < maxEventPages; pages += 1) {
    const body: StoredEvent[] | Page<StoredEvent> = await apiRequest<StoredEvent[] | Page<StoredEvent>>(path, {
      query: { limit: eventPageSize, cursor, minPosition },
      signal,
    });
    if (Array.isArray(body)) return body;
    events.push(...body.items);
    cursor = body.nextCursor;
    if (cursor === null) return events;
  }
  throw new Error(`transaction ${id} has more than ${eventPageSize * maxEventPages} events, more than the viewer reads`);
}

/** Every trace of the transaction: page after page while the server answers a nextCursor. */
export async function getTransactionTraces(id: string, minPosition?: string, signal?: AbortSignal): Promise<Trace[]> {
  const path = `${base}/${encodeURIComponent(id)}/traces`;
  const traces: Trace[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < maxEventPages; pages += 1) {
    const body: Trace[] | Page<Trace> = await apiRequest<Trace[] | Page<Trace>>(path, {
      query: { limit: eventPageSize, cursor, minPosition },
      signal,
    });
    if (Array.isArray(body)) return body;
    traces.push(...itemsOf(body));
    cursor = body?.nextCursor ?? null;
    if (cursor === null) return traces;
  }
  throw new Error(`transaction ${id} has more than ${eventPageSize * maxEventPages} traces, more than the viewer reads`);
}

export function initiateTransaction(request: InitiateRequest, idempotencyKey = newIdempotencyKey()): Promise<Transaction> {
  return apiRequest<Transaction>(base, { method: 'POST', body: request, idempotencyKey });
}

/** The result of a command: the new state, or at least its version and position. */
export type CommandResult = Partial<Transaction> & { version?: number; position?: string };

function command(id: string, action: string, body: unknown = {}, ifMatchVersion?: number): Promise<CommandResult> {
  return apiRequest<CommandResult>(`${base}/${encodeURIComponent(id)}/${action}`, {
    method: 'POST',
    body,
    idempotencyKey: newIdempotencyKey(),
    ifMatchVersion,
  });
}

export const confirmTransaction = (id: string, version?: number) => command(id, 'confirm', {}, version);
export const retryTransaction = (id: string, version?: number) => command(id, 'retry', {}, version);
export const refundTransaction = (id: string, reason: string, version?: number) => command(id, 'refund', { reason }, version);
export const openDispute = (id: string, reason: string, version?: number) => command(id, 'disputes', { reason }, version);
export const resolveDispute = (id: string, outcome: DisputeOutcome, version?: number) =>
  command(id, 'disputes/resolve', { outcome }, version);

function itemsOf<T>(body: T[] | Page<T> | null | undefined): T[] {
  if (Array.isArray(body)) return body;
  return body?.items ?? [];
}
