/// <reference lib="dom" />
/**
 * Cross-origin clients in a real browser: a page served from a second origin (listed in
 * CORS_ORIGINS) calls the API with preflighted PUT and PATCH requests and reads exposed headers;
 * a page from an origin not listed is refused by the browser. Starts its own server on the test
 * services.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, startOwnServer } from './support/own-server.ts';

const adminToken = 'cors-e2e-admin-token';

/** A server for one empty page, so that the browser has an origin to run fetches from. */
async function servePage(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title>'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface Exchange {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

describe('CORS in a browser', () => {
  let browser: Browser;
  let apiUrl = '';
  let allowedPage: { origin: string; server: Server };
  let otherPage: { origin: string; server: Server };
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    allowedPage = await servePage();
    otherPage = await servePage();
    const server = await startOwnServer({ admin: adminToken }, { corsOrigins: [allowedPage.origin] });
    apiUrl = server.url.replace('[::1]', '127.0.0.1');
    stop = server.stop;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
  });

  afterAll(async () => {
    await browser?.close();
    await stop();
    allowedPage?.server.close();
    otherPage?.server.close();
  });

  /** Runs fetch in a page of `origin`; answers what the page could see, or the browser's refusal. */
  async function fetchFrom(
    origin: string,
    path: string,
    init: RequestInit,
    readHeaders: string[],
  ): Promise<Exchange | { refused: string }> {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      return await page.evaluate(
        async ({ url, init, readHeaders }) => {
          try {
            const response = await fetch(url, init);
            const text = await response.text();
            return {
              status: response.status,
              headers: Object.fromEntries(readHeaders.map((name) => [name, response.headers.get(name)])),
              body: text ? JSON.parse(text) : null,
            };
          } catch (error) {
            return { refused: String(error) };
          }
        },
        { url: `${apiUrl}${path}`, init: init as Record<string, unknown>, readHeaders },
      );
    } finally {
      await page.close();
    }
  }

  const json = (method: string, body?: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  it('lets a page of an allowed origin PUT and PATCH, with auth and If-Match, and read exposed headers', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const put = await fetchFrom(allowedPage.origin, '/api/admin/failures', json('PUT', {}, auth), [
      'tracktrove-sandbox-now',
      'x-request-id',
    ]);
    expect(put).toMatchObject({ status: 200 });
    expect(Date.parse((put as Exchange).headers['tracktrove-sandbox-now'] ?? '')).not.toBeNaN();

    // 1.01 is always authorized: the hold is placed at once, and confirm completes it.
    const vendorId = crypto.randomUUID();
    const created = await fetchFrom(
      allowedPage.origin,
      '/api/transactions',
      json(
        'POST',
        { vendorId, amount: '1.01', channel: 'WEB', simulation: { webhook: { delayMs: 3_600_000 } } },
        { 'idempotency-key': `cors-${vendorId}` },
      ),
      ['location', 'etag'],
    );
    expect(created).toMatchObject({ status: 201 });
    const id = ((created as Exchange).body as { id: string }).id;
    expect((created as Exchange).headers.location).toBe(`/api/transactions/${id}`);
    expect(await fetchFrom(allowedPage.origin, `/api/transactions/${id}/confirm`, json('POST'), [])).toMatchObject({
      status: 200,
      body: { status: 'COMPLETED' },
    });

    const patched = await fetchFrom(
      allowedPage.origin,
      `/api/transactions/${id}/open-dispute`,
      { method: 'PATCH', headers: { 'if-match': '"3"', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
      ['etag'],
    );
    expect(patched).toMatchObject({ status: 200, body: { status: 'DISPUTE_OPEN' } });
    expect((patched as Exchange).headers.etag).toBe('"4"');
  });

  it('refuses a page of an origin not listed: the browser keeps the answer from it', async () => {
    const put = await fetchFrom(otherPage.origin, '/api/admin/failures', json('PUT', {}, { authorization: `Bearer ${adminToken}` }), []);
    expect(put).toMatchObject({ refused: expect.stringContaining('Failed to fetch') });
    const read = await fetchFrom(otherPage.origin, '/api/transactions', {}, []);
    expect(read).toMatchObject({ refused: expect.stringContaining('Failed to fetch') });
  });
});
