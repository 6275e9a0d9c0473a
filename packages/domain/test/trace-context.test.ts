import { describe, expect, it } from 'vitest';
import {
  decide,
  defaultSimulation,
  defaultTraceIdOf,
  evolve,
  initialState,
  parseTraceparent,
  spanIdOf,
  traceparentAt,
  traceSteps,
  validTraceparent,
} from '../src/index.ts';

const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C traceparent', () => {
  it('reads a version 00 header', () => {
    expect(parseTraceparent(valid)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
    expect(validTraceparent(` ${valid} `)).toBe(valid);
  });

  it.each([
    ['upper case hex', valid.toUpperCase()],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with more fields', `${valid}-extra`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['a non-hex character', '00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01'],
    ['another separator', '00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01'],
    ['nothing', ''],
    ['a repeated header', [valid, valid]],
    ['a long value', `01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-${'a'.repeat(600)}`],
  ])('refuses %s', (_name, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it('reads a later version as version 00, ignoring the fields it adds', () => {
    expect(validTraceparent('cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-adds')).toBe(valid);
    expect(validTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00')).toBe(
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    );
  });

  it("a transaction without one has its id's hex digits as trace id, and a span per version", () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    expect(defaultTraceIdOf(id)).toBe('0f8fad5bd9cb469fa16570867728950e');
    expect(spanIdOf(id, 1)).toMatch(/^[0-9a-f]{16}$/);
    expect(spanIdOf(id, 1)).not.toBe(spanIdOf(id, 2));
    expect(traceparentAt({ transactionId: id }, 3)).toBe(`00-0f8fad5bd9cb469fa16570867728950e-${spanIdOf(id, 3)}-01`);
  });

  it('events continue the trace a transaction was initiated with, each with a span of its own', () => {
    const now = '2026-01-01T00:00:00.000Z';
    const initiate = {
      type: 'Initiate' as const,
      transactionId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      vendorId: 'vendor-1',
      payerId: 'payer-1',
      amountMinor: 1000,
      currency: 'INR' as const,
      channel: 'WEB' as const,
      kind: 'TIP' as const,
      payload: {},
      serviceContext: null,
      simulation: defaultSimulation,
      traceparent: valid,
      now,
    };
    const base = { actor: { role: 'admin' as const, id: 'test' }, correlationId: 'c' };
    const initiated = decide(initiate, initialState());
    // The request's own header is kept on the events it appends.
    expect(traceSteps(initialState(), initiated, { ...base, traceparent: valid }).map((step) => step.metadata.traceparent)).toEqual([
      valid,
    ]);
    const state = initiated.reduce(evolve, initialState());
    expect(state.traceparent).toBe(valid);
    const override = decide({ type: 'OverrideStatus', to: 'FAILED', reason: 'test', actor: base.actor, now }, state);
    const [traced] = traceSteps(state, override, base);
    const continued = parseTraceparent(traced!.metadata.traceparent)!;
    expect(continued.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(continued.flags).toBe('01');
    expect(continued.parentId).toBe(spanIdOf(state.transactionId, state.version + 1));
    // Without one at initiation, the transaction's id is its trace.
    const { traceparent: _dropped, ...untraced } = initiate;
    const [plain] = traceSteps(initialState(), decide(untraced, initialState()), base);
    expect(parseTraceparent(plain!.metadata.traceparent)!.traceId).toBe('0f8fad5bd9cb469fa16570867728950e');
  });
});
