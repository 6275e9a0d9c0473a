/// <reference lib="dom" />
/**
 * Browser test of the Webhooks screen and a transaction's endpoint deliveries: a user registers
 * their own service (a real HTTP receiver in this test), sees the secret once, fires a
 * transaction, and finds each delivery, signed with that secret, in their service and in the
 * transaction's timeline; then disables, rotates and deletes the endpoint. Starts its own server
 * unless TRACKTROVE_E2E_URL names one (with TRACKTROVE_E2E_TOKEN, an admin token).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initiateRequestBody } from '@tracktrove/testing';
import { chromiumArgs, startOwnServer } from './support/own-server.ts';

const externalUrl = process.env.TRACKTROVE_E2E_URL?.replace(/\/$/, '');
const stepTimeoutMs = 10_000;

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { id: string; type: string; transactionId: string };
}

/** TrackTrove-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">, checked as a receiver would. */
function signedWith(secret: string, received: Received): boolean {
  const header = String(received.headers['tracktrove-signature'] ?? '');
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  return createHmac('sha256', secret).update(`${match[1]}.${received.body}`).digest('hex') === match[2];
}

describe('webhook endpoints in the trace viewer', () => {
  let browser: Browser;
  let page: Page;
  let baseUrl = externalUrl ?? '';
  let token = process.env.TRACKTROVE_E2E_TOKEN ?? '';
  let stopServer: () => Promise<void> = async () => undefined;
  const received: Received[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry = { headers: request.headers, body, json: JSON.parse(body) };
      received.push(entry);
      // The first escrow_held delivery fails: its retry shows in the timeline.
      const first = received.filter((other) => other.json.type === entry.json.type).length === 1;
      response.statusCode = entry.json.type === 'transaction.escrow_held' && first ? 500 : 200;
      response.end(response.statusCode === 500 ? 'try again' : 'thanks');
    });
  });
  let receiverUrl = '';
  let secret = '';
  let transactionId = '';

  beforeAll(async () => {
    if (!externalUrl) {
      const server = await startOwnServer({ admin: 'e2e-admin-token' });
      baseUrl = server.url;
      token = 'e2e-admin-token';
      stopServer = server.stop;
    }
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/${randomUUID()}`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(stepTimeoutMs);
    await page.addInitScript((storedToken: string) => {
      if (storedToken) localStorage.setItem('tracktrove.token', storedToken);
    }, token);
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await stopServer();
  });

  it('creates an endpoint and shows its secret once', async () => {
    await page.goto(`${baseUrl}/#/webhooks`);
    await page.getByTestId('webhooks-screen').waitFor();
    await page.getByTestId('endpoint-url').fill(receiverUrl);
    await page.getByTestId('endpoint-description').fill('e2e receiver');
    await page.getByTestId('endpoint-type-transaction.escrow_held').check();
    await page.getByTestId('endpoint-type-transaction.completed').check();
    await page.getByTestId('endpoint-submit').click();
    const shown = page.getByTestId('endpoint-secret-value');
    await shown.waitFor();
    secret = ((await shown.textContent()) ?? '').trim();
    expect(secret.length).toBeGreaterThan(20);
    const row = page.locator(`[data-testid="endpoint-row"]`).filter({ hasText: receiverUrl });
    await row.waitFor();
    expect(await row.getAttribute('data-enabled')).toBe('true');
    // The list shows only a hint of it.
    expect(await row.textContent()).not.toContain(secret);
  });

  it('delivers a transaction’s events to the service, signed, and shows each delivery and its retry in the timeline', async () => {
    const response = await fetch(`${baseUrl}/api/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(initiateRequestBody(0)),
    });
    expect(response.status).toBe(201);
    transactionId = ((await response.json()) as { id: string }).id;
    const typesSeen = () => received.filter((request) => request.json.transactionId === transactionId).map((request) => request.json.type);
    await expect.poll(() => typesSeen().sort(), { timeout: 15_000 }).toEqual(['transaction.completed', 'transaction.escrow_held']);
    for (const request of received) expect(signedWith(secret, request)).toBe(true);

    await page.goto(`${baseUrl}/#/transactions/${transactionId}`);
    await page.getByTestId('transaction-detail').waitFor();
    expect(await page.getByTestId('detail-trace-id').textContent()).toContain(transactionId.replaceAll('-', ''));
    await expect.poll(() => page.getByTestId('endpoint-delivery').count(), { timeout: stepTimeoutMs }).toBe(2);
    const completed = page.locator(`[data-testid="endpoint-delivery"][data-type="transaction.completed"]`);
    await expect.poll(() => completed.getAttribute('data-status')).toBe('delivered');
    expect(await completed.getByTestId('endpoint-delivery-attempts').textContent()).toMatch(/#1 200 after \d+ ms/);
    // The 500 waits for its retry on the sandbox clock, and says so.
    const held = page.locator(`[data-testid="endpoint-delivery"][data-type="transaction.escrow_held"]`);
    await expect.poll(() => held.getAttribute('data-status')).toBe('retrying');
    expect(await held.getByTestId('endpoint-delivery-attempts').textContent()).toMatch(/#1 500 after \d+ ms, next try in [\d.]+ (ms|s)/);
    const advanced = await fetch(`${baseUrl}/api/admin/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ms: 60_000 }),
    });
    expect(advanced.status).toBe(200);
    await expect.poll(() => held.getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('delivered');
    expect(await held.getByTestId('endpoint-delivery-attempts').textContent()).toMatch(/#2 200 after \d+ ms/);
    expect(typesSeen().filter((type) => type === 'transaction.escrow_held')).toHaveLength(2);
  });

  it('disables, rotates the secret of, and deletes the endpoint', async () => {
    await page.goto(`${baseUrl}/#/webhooks`);
    const row = page.locator(`[data-testid="endpoint-row"]`).filter({ hasText: receiverUrl });
    await row.getByTestId('endpoint-toggle').click();
    await expect.poll(() => row.getAttribute('data-enabled')).toBe('false');
    await row.getByTestId('endpoint-toggle').click();
    await expect.poll(() => row.getAttribute('data-enabled')).toBe('true');

    await row.getByTestId('endpoint-rotate').click();
    await expect.poll(async () => ((await page.getByTestId('endpoint-secret-value').textContent()) ?? '').trim()).not.toBe(secret);

    await row.getByTestId('endpoint-edit').click();
    await page.getByTestId('endpoint-dropRate').last().fill('0.5');
    await page.getByTestId('endpoint-submit').last().click();
    await expect.poll(() => row.getByTestId('endpoint-failures').textContent()).toBe('drop 0.5');

    await row.getByTestId('endpoint-delete').click();
    await expect.poll(() => page.locator(`[data-testid="endpoint-row"]`).filter({ hasText: receiverUrl }).count()).toBe(0);
  });
});
