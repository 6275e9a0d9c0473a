import { randomUUID } from 'node:crypto';
import type { InitiateInput } from '@tracktrove/application';
import { toTransactionEvent } from '@tracktrove/commands';
import { evolve, formatAmount, initialState, type TransactionState } from '@tracktrove/domain';
import type { RecordedEvent } from '@tracktrove/event-store';
import type { FailureSettings } from '@tracktrove/simulator';
import type { ServerApi } from '../server/server-api.ts';
import { readTransactionEvents } from '../server/transaction-events.ts';
import type { SimulationBackend } from './backend.ts';

/** Transactions whose events are read at once. */
const readConcurrency = 8;
/** A clock advance fires every timer due on the way: as long as the server allows it. */
const advanceTimeoutMs = 2 * 60_000;

/**
 * The simulation through a running server's HTTP API: initiations and refunds are commands
 * (with an Idempotency-Key of this run, so a retried request never initiates twice), the clock and
 * the failure settings are admin routes, and states are folded from each transaction's events.
 */
export function serverBackend(api: ServerApi): SimulationBackend {
  const run = randomUUID();
  const events = async (transactionIds: readonly string[]) => {
    const found = new Map<string, readonly RecordedEvent[]>();
    let next = 0;
    const worker = async () => {
      while (next < transactionIds.length) {
        const id = transactionIds[next]!;
        next += 1;
        const stream = await readTransactionEvents(api, id);
        if (stream) found.set(id, stream);
      }
    };
    await Promise.all(Array.from({ length: Math.min(readConcurrency, transactionIds.length) }, worker));
    return found;
  };
  return {
    failures: () => api.request<FailureSettings>('GET', '/api/admin/failures'),
    async initiate(input: InitiateInput, correlationId) {
      const answer = await api.request<{ id: string }>('POST', '/api/transactions', {
        headers: { 'idempotency-key': `${run}-${correlationId}` },
        body: {
          vendorId: input.vendorId,
          ...(input.payerId ? { payerId: input.payerId } : {}),
          amount: formatAmount(input.amountMinor, input.currency),
          currency: input.currency,
          channel: input.channel,
          kind: input.kind,
          payload: input.payload,
          simulation: input.simulation,
        },
      });
      return answer.id;
    },
    async refund(transactionId, reason, correlationId) {
      await api.request('POST', `/api/transactions/${transactionId}/refund`, {
        headers: { 'idempotency-key': `${run}-${correlationId}` },
        body: { reason },
      });
    },
    now: async () => Date.parse((await api.request<{ now: string }>('GET', '/api/admin/clock')).now),
    async advance(ms) {
      const advanced = await api.request<{ from: string; now: string; firedTimers: number }>('POST', '/api/admin/clock/advance', {
        body: { ms },
        timeoutMs: advanceTimeoutMs,
      });
      return { advancedMs: Date.parse(advanced.now) - Date.parse(advanced.from), firedTimers: advanced.firedTimers };
    },
    async states(transactionIds) {
      const states = new Map<string, TransactionState>();
      for (const [id, stream] of await events(transactionIds)) {
        states.set(
          id,
          stream.reduce((state, recorded) => evolve(state, toTransactionEvent(recorded)), initialState()),
        );
      }
      return states;
    },
    events,
    close: async () => undefined,
  };
}
