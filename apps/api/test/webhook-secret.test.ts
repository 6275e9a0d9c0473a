import { createHmac, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateWebhookSecret } from '@tracktrove/simulator';
import { loadConfig } from '@tracktrove/config';
import { startServer } from '../src/server.ts';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';
import { trackTroveDb } from '@tracktrove/application';

const tokens = { admin: 'admin-secret-0123456789', operator: 'operator-secret-0123456789', viewer: 'viewer-secret-0123456789' };
/** Secrets anyone could guess: the default the source once had, and other constants. */
const constants = ['tracktrove-sandbox-webhook-secret', 'faults-webhook-secret-0123456789', 'bench-webhook-secret', 'secret', ''];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function signed(secret: string, transactionId: string) {
  const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment.confirmed', transactionId, createdAt: new Date().toISOString() });
  const t = Math.floor(Date.now() / 1000);
  return { body, signature: `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}` };
}

/** A server with every token set and WEBHOOK_SECRET unset: the webhook is its one route without a token. */
describe('a locked-down server without WEBHOOK_SECRET', () => {
  let server: TestServer;
  const operator = { authorization: `Bearer ${tokens.operator}`, 'content-type': 'application/json' };
  const postWebhook = (webhook: { body: string; signature: string }) =>
    fetch(`${server.baseUrl}/api/webhooks/gateway`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'tracktrove-signature': webhook.signature },
      body: webhook.body,
    });
  const statusOf = async (id: string) =>
    (await (await fetch(`${server.baseUrl}/api/transactions/${id}`, { headers: operator })).json()).status;
  /** The transaction's status once it is `expected` (the read model follows the log), or as it is after 10 s. */
  const statusWithin = async (id: string, expected: string) => {
    const deadline = Date.now() + 10_000;
    let status = await statusOf(id);
    while (status !== expected && Date.now() < deadline) {
      await sleep(50);
      status = await statusOf(id);
    }
    return status;
  };
  const initiate = async (delayMs: number) => {
    const response = await fetch(`${server.baseUrl}/api/transactions`, {
      method: 'POST',
      headers: operator,
      body: JSON.stringify({ vendorId: randomUUID(), amount: '10.00', channel: 'WEB', simulation: { webhook: { delayMs } } }),
    });
    expect(response.status).toBe(201);
    return (await response.json()).id as string;
  };

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { tokens } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a webhook signed with any constant: the transaction stays in ESCROW and nothing is appended', async () => {
    const id = await initiate(3_600_000);
    expect(await statusWithin(id, 'ESCROW')).toBe('ESCROW');
    const before = await server.context.store.headPosition();
    for (const constant of constants) {
      const response = await postWebhook(signed(constant, id));
      expect(response.status, constant).toBe(400);
      expect((await response.json()).errors[0].path).toBe('headers.tracktrove-signature');
    }
    expect(await statusOf(id)).toBe('ESCROW');
    expect(await server.context.store.headPosition()).toBe(before);
  });

  it('signs its own gateway webhooks with the secret it made for the database, which only the data holds', async () => {
    const id = await initiate(0);
    expect(await statusWithin(id, 'COMPLETED')).toBe('COMPLETED');

    const secret = await loadOrCreateWebhookSecret(trackTroveDb(server.context.store.database));
    expect(constants).not.toContain(secret);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const held = await initiate(3_600_000);
    const accepted = await postWebhook(signed(secret, held));
    expect(accepted.status).toBe(200);
    expect(await statusWithin(held, 'COMPLETED')).toBe('COMPLETED');
  });

  it('is the same for a second process on the same database, and another for another database', async () => {
    const secret = await loadOrCreateWebhookSecret(trackTroveDb(server.context.store.database));
    const config = loadConfig({}, { port: 0, host: '127.0.0.1', databaseUrl: server.testDatabase.url, logLevel: 'silent', tokens });
    const second = await startServer({ config, modules: [trackTroveModule()], logger: pino({ level: 'silent' }), listen: false });
    try {
      expect(await loadOrCreateWebhookSecret(trackTroveDb(second.context.store.database))).toBe(secret);
      const id = await initiate(3_600_000);
      const webhook = signed(secret, id);
      const own = await second.app.inject({
        method: 'POST',
        url: '/api/webhooks/gateway',
        headers: { 'content-type': 'application/json', 'tracktrove-signature': webhook.signature },
        payload: webhook.body,
      });
      expect(own.statusCode).toBe(200);
    } finally {
      await second.close();
    }
    const other = await startTestServer({ modules: [trackTroveModule()], config: { tokens } });
    try {
      expect(await loadOrCreateWebhookSecret(trackTroveDb(other.context.store.database))).not.toBe(secret);
    } finally {
      await other.close();
    }
  });
});
