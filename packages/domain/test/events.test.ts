import { describe, expect, it } from 'vitest';
import {
  buildMetadata,
  decide,
  defaultSimulation,
  dtoOf,
  eventDataSchemas,
  eventSchemaVersions,
  EventMetadataSchema,
  parseEvent,
  parseEventTrusted,
  TransactionEventSchema,
  traceSteps,
  transactionEventTypes,
  upcastEvent,
  upcasters,
  ValidationError,
} from '../src/index.ts';
import { at, confirm, decline, given, pathTo, refundFailed, requestRefund, run, transactionId } from './fixtures.ts';

const v1Initiated = {
  transactionId,
  vendorId: 'vendor-1',
  payerId: 'payer-1',
  amountMinor: 1250,
  currency: 'INR',
  channel: 'WEB',
  payload: { note: 'legacy' },
  serviceContext: null,
  initiatedAt: at(0),
};

function rejectionOf(read: () => unknown): { path: string; message: string } | undefined {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors[0];
  }
  throw new Error('expected a ValidationError');
}

describe('event schemas', () => {
  it('every type has a schema, a version and exactly version - 1 upcasters', () => {
    for (const type of transactionEventTypes) {
      expect(eventDataSchemas[type]).toBeDefined();
      expect(upcasters[type]).toHaveLength(eventSchemaVersions[type] - 1);
    }
  });

  it('every event of a full lifecycle validates against the union and round-trips through JSON', () => {
    const { events } = run([...pathTo.SETTLED]);
    for (const event of events) {
      const stored = JSON.parse(JSON.stringify(event));
      expect(TransactionEventSchema.parse(stored)).toEqual(event);
      expect(parseEvent(event.type, eventSchemaVersions[event.type], stored.data)).toEqual(event);
    }
  });
});

describe('upcasting', () => {
  it('given a v1 TransactionInitiated, when read, then kind PAYMENT and default simulation are added', () => {
    const upcast = upcastEvent({ type: 'TransactionInitiated', schemaVersion: 1, data: v1Initiated });
    expect(upcast.schemaVersion).toBe(2);
    const event = parseEvent('TransactionInitiated', 1, v1Initiated);
    expect(event.type).toBe('TransactionInitiated');
    if (event.type !== 'TransactionInitiated') return;
    expect(event.data).toMatchObject({ ...v1Initiated, kind: 'PAYMENT', simulation: defaultSimulation, retryPolicy: { maxRetries: 3 } });
  });

  it('a v2 event passes unchanged', () => {
    const [event] = run(pathTo.INITIATED).events;
    expect(parseEvent('TransactionInitiated', 2, event!.data)).toEqual(event);
  });

  it.each([
    ['unknown type', 'Nope', 1, 'type'],
    ['future version', 'TransactionInitiated', 3, 'schemaVersion'],
    ['version 0', 'EscrowHoldPlaced', 0, 'schemaVersion'],
  ])('rejects %s', (_name, type, version, path) => {
    try {
      parseEvent(type, version, {});
      throw new Error('expected rejection');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0]?.path).toBe(path);
    }
  });

  it('rejects a version that is not a whole number, and old data that is not an object, naming the field', () => {
    for (const version of [1.5, Number.NaN, 0, -1, 3]) {
      const error = rejectionOf(() => upcastEvent({ type: 'TransactionInitiated', schemaVersion: version, data: v1Initiated }));
      expect(error).toEqual({ path: 'schemaVersion', message: `TransactionInitiated has versions 1..2, got ${version}` });
    }
    expect(rejectionOf(() => upcastEvent({ type: 'Nope', schemaVersion: 1, data: {} }))).toEqual({
      path: 'type',
      message: 'unknown event type Nope',
    });
    for (const data of [null, [v1Initiated], 'text', 7]) {
      expect(rejectionOf(() => upcastEvent({ type: 'TransactionInitiated', schemaVersion: 1, data }))).toEqual({
        path: 'data',
        message: 'must be an object',
      });
    }
  });

  it('parseEventTrusted upcasts without validating: the store validated its own log when it wrote it', () => {
    expect(parseEventTrusted('TransactionInitiated', 1, v1Initiated)).toEqual(parseEvent('TransactionInitiated', 1, v1Initiated));
    const [placed] = run(pathTo.ESCROW).events.slice(-1);
    expect(parseEventTrusted('EscrowHoldPlaced', 1, placed!.data)).toEqual(placed);
    expect(parseEventTrusted('EscrowHoldPlaced', 1, { holdId: 7 })).toEqual({ type: 'EscrowHoldPlaced', data: { holdId: 7 } });
  });

  it('invalid data names the field under data', () => {
    try {
      parseEvent('EscrowHoldPlaced', 1, { holdId: 'h', amountMinor: -1, expiresAt: at(1), attempt: 1, placedAt: at(0) });
      throw new Error('expected rejection');
    } catch (error) {
      expect((error as ValidationError).errors[0]?.path).toBe('data.amountMinor');
    }
  });
});

describe('metadata and traces', () => {
  it('buildMetadata fills defaults and turns an Error into message and stack', () => {
    const metadata = buildMetadata({
      correlationId: 'c-1',
      actor: { role: 'operator', id: 'op-1' },
      step: 'authorize',
      service: 'gateway',
      error: new Error('gateway timeout'),
      durationMs: 12.4,
    });
    expect(EventMetadataSchema.parse(metadata)).toEqual(metadata);
    expect(metadata).toMatchObject({ causationId: null, attempt: 1, durationMs: 12, error: { message: 'gateway timeout' } });
    expect(metadata.error?.stack).toContain('gateway timeout');
    const stackless = new RangeError('limit passed');
    stackless.stack = undefined;
    const fallback = buildMetadata({
      correlationId: 'c-1',
      actor: { role: 'system', id: 'x' },
      step: 's',
      service: 'gateway',
      error: stackless,
    });
    expect(fallback.error).toEqual({ message: 'limit passed', stack: 'RangeError: limit passed' });
  });

  it('traceSteps gives each event dtoBefore/dtoAfter from the state around it', () => {
    const state = given(...pathTo.ESCROW);
    const [traced] = traceSteps(
      state,
      [{ type: 'EscrowHoldPosted', data: { holdId: 'hold-1', amountMinor: 1250, via: 'webhook', completedAt: at(5) } }],
      {
        correlationId: 'c-1',
        actor: { role: 'system', id: 'webhooks' },
      },
    );
    expect(traced?.metadata).toMatchObject({ step: 'EscrowHoldPosted', service: 'escrow' });
    expect(traced?.metadata.dtoBefore).toMatchObject({ status: 'ESCROW', amount: '12.50', note: 'thanks' });
    expect(traced?.metadata.dtoAfter).toMatchObject({ status: 'COMPLETED', version: 3 });
    expect(traced?.state).toEqual(given(...pathTo.ESCROW, confirm()));
  });

  it('a failed step carries its error (message and stack); a successful one none', () => {
    const failed = given(...pathTo.INITIATED);
    const actor = { role: 'system', id: 'gateway' } as const;
    const declined = traceSteps(failed, decide(decline(), failed), { correlationId: 'c-1', actor });
    expect(declined[0]?.metadata.error).toEqual({
      message: 'authorization declined (card_declined): insufficient funds',
      stack: expect.stringContaining('at gateway.authorize (attempt 1)'),
    });
    const refunding = given(...pathTo.COMPLETED, requestRefund());
    const [refund] = traceSteps(refunding, decide(refundFailed(), refunding), { correlationId: 'c-2', actor });
    expect(refund?.metadata.error).toEqual({
      message: 'refund refund-1 failed: bank timeout',
      stack: 'RefundFailedError: refund refund-1 failed: bank timeout\n    at refunds.complete (refund refund-1)',
    });
    const [ok] = traceSteps(given(...pathTo.ESCROW), decide(confirm(), given(...pathTo.ESCROW)), { correlationId: 'c-3', actor });
    expect(ok?.metadata.error).toBeNull();
  });

  it('dtoOf merges the payload with system fields, system fields winning', () => {
    const dto = dtoOf(given(...pathTo.INITIATED));
    expect(dto).toMatchObject({ note: 'thanks', status: 'INITIATED', amountMinor: 1250, currency: 'INR' });
  });
});
