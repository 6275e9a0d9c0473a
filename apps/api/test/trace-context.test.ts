import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTraceparent } from '@tracktrove/domain';
import { initiateRequestBody } from '@tracktrove/testing';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

type Json = Record<string, any>;

const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const headerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceIdOf = (traceparent: unknown) => parseTraceparent(traceparent)?.traceId;

/** W3C trace context: a command's traceparent kept, a transaction's trace continued by later commands, timers and webhooks. */
describe('traceparent on commands, timers and webhooks', () => {
  let server: TestServer;
  const admin = { authorization: 'Bearer admin-token' };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Json };
  };
  const initiate = (headers: Record<string, string> = {}, webhookDelayMs = 3_600_000) =>
    call('POST', '/api/transactions', initiateRequestBody(webhookDelayMs), headers);
  const events = async (id: string, minPosition?: string): Promise<Json[]> =>
    (await call('GET', `/api/transactions/${id}/events${minPosition ? `?minPosition=${minPosition}` : ''}`)).json.items;
  /** The transaction's first event that matches, once there is one (null after 10 s). */
  const eventOnce = async (id: string, matches: (event: Json) => boolean): Promise<Json | null> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = (await events(id)).find(matches);
      if (found || Date.now() > deadline) return found ?? null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()] });
  });
  afterAll(async () => {
    await server.close();
  });

  it("keeps a command's valid traceparent in its events' metadata", async () => {
    const created = await initiate({ traceparent: header });
    expect(created.status).toBe(201);
    const items = await events(created.json.id, created.json.position);
    expect(items.map((event) => [event.type, event.metadata.traceparent])).toEqual([
      ['TransactionInitiated', header],
      ['EscrowHoldPlaced', header],
    ]);
  });

  it("gives a transaction initiated without one a fresh trace: its id's hex digits", async () => {
    const first = await initiate();
    const second = await initiate();
    for (const created of [first, second]) {
      const items = await events(created.json.id, created.json.position);
      for (const event of items) expect(traceIdOf(event.metadata.traceparent)).toBe(created.json.id.replaceAll('-', ''));
    }
  });

  it.each([
    ['upper case', header.toUpperCase()],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['version ff', header.replace(/^00/, 'ff')],
    ['garbage', 'not a traceparent'],
  ])('ignores an invalid traceparent (%s): the command succeeds on a fresh trace', async (_name, invalid) => {
    const created = await initiate({ traceparent: invalid });
    expect(created.status).toBe(201);
    const refunded = await call('POST', `/api/transactions/${created.json.id}/refund`, { reason: 'test' }, { traceparent: invalid });
    expect(refunded.status).toBe(200);
    const items = await events(created.json.id, refunded.json.position);
    expect(items.length).toBeGreaterThan(2);
    for (const event of items) expect(traceIdOf(event.metadata.traceparent)).toBe(created.json.id.replaceAll('-', ''));
  });

  it("continues the transaction's trace on later commands without one (new span ids), and keeps another command's own", async () => {
    const created = await initiate({ traceparent: header });
    const refunded = await call('POST', `/api/transactions/${created.json.id}/refund`, { reason: 'test' });
    expect(refunded.status).toBe(200);
    const items = await events(created.json.id, refunded.json.position);
    const later = items.slice(2);
    expect(later.map((event) => event.type)).toContain('EscrowHoldVoided');
    const spans = new Set<string>();
    for (const event of later) {
      const context = parseTraceparent(event.metadata.traceparent)!;
      expect(context.traceId).toBe(headerTraceId);
      expect(context.parentId).not.toBe('00f067aa0ba902b7');
      spans.add(context.parentId);
    }
    expect(spans.size).toBe(later.length);

    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    const overridden = await call(
      'POST',
      `/api/admin/transactions/${created.json.id}/override`,
      { status: 'FAILED', reason: 'test' },
      { ...admin, traceparent: own },
    );
    expect(overridden.status).toBe(200);
    const override = (await events(created.json.id, overridden.json.position)).find((event) => event.type === 'StatusOverridden');
    expect(override?.metadata.traceparent).toBe(own);
  });

  it("carries the transaction's trace into the gateway's webhook, and the webhook's into the events it appends", async () => {
    const created = await initiate({ traceparent: header }, 0);
    const posted = await eventOnce(created.json.id, (event) => event.type === 'EscrowHoldPosted');
    expect(posted).not.toBeNull();
    const deliveries = await call('GET', `/api/webhooks/deliveries?transactionId=${created.json.id}`, undefined, admin);
    const [delivery] = deliveries.json.items;
    const sent = delivery.attempts[0].request.headers.traceparent;
    expect(traceIdOf(sent)).toBe(headerTraceId);
    // The webhook's request carried it, and the receiving end kept it on the hold's posting.
    expect(posted!.metadata.traceparent).toBe(sent);
  });

  it("an operator's confirmation sends its own traceparent through the webhook path", async () => {
    const created = await initiate({ traceparent: header });
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const confirmed = await call('POST', `/api/transactions/${created.json.id}/confirm`, undefined, { traceparent: own });
    expect(confirmed.status).toBe(200);
    expect((await events(created.json.id, confirmed.json.position)).at(-1)).toMatchObject({
      type: 'EscrowHoldPosted',
      metadata: { traceparent: own },
    });
  });

  it("timers continue the transaction's trace: a hold's expiry and T+1 settlement", async () => {
    const expiring = await initiate({ traceparent: header });
    const settling = await initiate({ traceparent: header });
    const confirmed = await call('POST', `/api/transactions/${settling.json.id}/confirm`);
    expect(confirmed.json.status).toBe('COMPLETED');
    expect((await call('POST', '/api/admin/clock/advance', { ms: 2 * 86_400_000 }, admin)).status).toBe(200);
    const expired = await eventOnce(expiring.json.id, (event) => event.metadata.actor.id === 'escrow-timer');
    expect(expired?.type).toBe('EscrowHoldPosted');
    expect(traceIdOf(expired?.metadata.traceparent)).toBe(headerTraceId);
    const settled = await eventOnce(settling.json.id, (event) => event.type === 'TransactionSettled');
    expect(traceIdOf(settled?.metadata.traceparent)).toBe(headerTraceId);
  });
});
