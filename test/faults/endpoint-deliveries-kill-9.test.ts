import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, initiateBody, type Json } from './support/api.ts';
import { serverUnderTest } from './support/server-under-test.ts';

const transactions = 20;

/**
 * kill -9 of the server while its webhook deliveries are in flight: a developer's endpoint that has
 * received requests but not answered them yet, and deliveries not attempted yet. After a restart
 * every delivery is made (at least once) and recorded delivered.
 */
describe('kill -9 mid-delivery to a webhook endpoint', () => {
  // An attempt times out after 1 s, so a lease a killed process held runs out 8 s after it was taken (1 s + the 2 s slow pause + 5 s).
  const under = serverUnderTest({ env: () => ({ WEBHOOK_TIMEOUT_MS: '1000' }) });
  const received: { eventId: string; at: number }[] = [];
  const held: ServerResponse[] = [];
  let answering = false;
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ eventId: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json).id, at: Date.now() });
      if (answering) response.writeHead(200).end('ok');
      else held.push(response);
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('loses no delivery: each is delivered at least once after the restart', async () => {
    const { api, server } = under;
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const endpoint = await api.call('POST', '/api/webhook-endpoints', { url, eventTypes: ['transaction.initiated'] }, { admin: true });
    expect(endpoint.status).toBe(201);
    const ids: string[] = [];
    for (let index = 0; index < transactions; index += 1) {
      const created = await api.call('POST', '/api/transactions', initiateBody());
      expect(created.status).toBe(201);
      ids.push(created.json.id);
    }
    // Attempts are in flight: the receiver holds them unanswered.
    await eventually('requests in flight', 10_000, async () => (held.length >= 8 ? true : undefined), 20);
    await server.kill9();
    const beforeRestart = new Set(received.map((entry) => entry.eventId));
    for (const response of held.splice(0)) response.destroy();
    answering = true;
    await server.start();

    const deliveries = await eventually('every delivery delivered', 30_000, async () => {
      const page = await api.call('GET', `/api/endpoint-deliveries?endpointId=${endpoint.json.id}&limit=100`, undefined, { admin: true });
      const items = page.json.items as Json[];
      return items.length === transactions && items.every((item) => item.status === 'delivered') ? items : undefined;
    });
    expect(new Set(deliveries.map((delivery) => delivery.transactionId))).toEqual(new Set(ids));
    const eventIds = new Set(deliveries.map((delivery) => delivery.eventId));
    const receivedIds = new Set(received.map((entry) => entry.eventId));
    for (const eventId of eventIds) expect(receivedIds.has(eventId), eventId).toBe(true);
    // The attempts cut off by the kill were made again: those events arrived twice.
    const twice = [...beforeRestart].filter((eventId) => received.filter((entry) => entry.eventId === eventId).length >= 2);
    expect(twice.length).toBeGreaterThan(0);
  });
});
