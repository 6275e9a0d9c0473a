/// <reference lib="dom" />
/**
 * Browser tests of the trace viewer against a running TrackTrove server.
 *
 * Given TRACKTROVE_E2E_URL (e.g. http://localhost:8080, the API serving
 * apps/web/dist at `/`), a user fires a transaction, sees it reach COMPLETED,
 * steps through its replay, refunds it and sees the books balance.
 * TRACKTROVE_E2E_TOKEN (optional) is stored as the viewer's bearer token; use
 * the admin token so the Admin screen loads too. Without TRACKTROVE_E2E_URL the
 * tests start their own servers on the test services, one of them requiring a
 * viewer token (the live stream's refusal is tested there, only then).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, startOwnServer, type OwnServer } from './support/own-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const externalUrl = process.env.TRACKTROVE_E2E_URL?.replace(/\/$/, '');
let baseUrl = externalUrl ?? '';
let token = process.env.TRACKTROVE_E2E_TOKEN ?? '';
// Screenshots land in docs/ only when asked (SAVE_SCREENSHOTS=1), so a test run leaves the tree clean.
const screenshotDir =
  process.env.SAVE_SCREENSHOTS === '1' ? resolve(here, '../../../docs/screenshots') : mkdtempSync(join(tmpdir(), 'tracktrove-screens-'));

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: chromiumArgs });
});

afterAll(async () => {
  await browser?.close();
});

/** Confirmation webhook default delay is 1000 ms; allow for a slow machine. */
const completionTimeoutMs = 15_000;
const stepTimeoutMs = 10_000;

describe('trace viewer in a browser', () => {
  let stopServer: () => Promise<void> = async () => undefined;
  let page: Page;
  let transactionId = '';

  beforeAll(async () => {
    if (!externalUrl) {
      // Retries wait ten minutes of sandbox clock, so a declined transaction stays in RETRY_PENDING while a test looks at it.
      const server = await startOwnServer({ admin: 'e2e-admin-token' }, { retryBaseDelayMs: 600_000 });
      baseUrl = server.url;
      token = 'e2e-admin-token';
      stopServer = server.stop;
    }
    mkdirSync(screenshotDir, { recursive: true });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(stepTimeoutMs);
    await page.addInitScript((storedToken: string) => {
      if (storedToken) localStorage.setItem('tracktrove.token', storedToken);
    }, token);
  });

  afterAll(async () => {
    await page?.close();
    await stopServer();
  });

  it('fires a transaction and sees it reach COMPLETED in the list', async () => {
    await page.goto(`${baseUrl}/#/transactions`);
    await expect.poll(() => page.getByTestId('api-unreachable').count()).toBe(0);
    await page.getByTestId('fire-amount').fill('12.50');
    await page.getByTestId('fire-submit').click();

    const fired = page.getByTestId('fire-result');
    await fired.waitFor();
    transactionId = (await fired.getAttribute('data-transaction-id')) ?? '';
    expect(transactionId).toMatch(/^[0-9a-f-]{36}$/);

    const row = rowOf(page, transactionId);
    await row.waitFor();
    const completed = await waitForAttribute(row, 'data-status', 'COMPLETED', completionTimeoutMs, () =>
      page.getByTestId('transactions-refresh').click(),
    );
    if (!completed) {
      // The webhook did not arrive in time: deliver the confirmation by hand.
      await page.goto(`${baseUrl}/#/transactions/${transactionId}`);
      await page.getByTestId('action-confirm').click();
      await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('COMPLETED');
      await page.goto(`${baseUrl}/#/transactions`);
      await page.getByTestId('transactions-refresh').click();
      await expect.poll(() => rowOf(page, transactionId).getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('COMPLETED');
    }
    await expect.poll(() => rowOf(page, transactionId).locator('[data-testid="status-badge"]').textContent()).toBe('COMPLETED');
    await page.screenshot({ path: `${screenshotDir}/transactions.png` });
  });

  it('opens the timeline and steps through the replay', async () => {
    await rowOf(page, transactionId).click();
    await page.getByTestId('transaction-detail').waitFor();
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status')).toBe('COMPLETED');
    // INITIATED, ESCROW and COMPLETED at least.
    await expect.poll(() => page.getByTestId('timeline-step').count()).toBeGreaterThanOrEqual(3);

    const version = page.getByTestId('replay-version');
    const maxVersion = Number(await version.getAttribute('data-max-version'));
    expect(maxVersion).toBeGreaterThanOrEqual(3);
    await expect.poll(() => version.getAttribute('data-version')).toBe(String(maxVersion));

    await page.getByTestId('replay-first').click();
    await expect.poll(() => version.getAttribute('data-version')).toBe('1');
    await expect.poll(() => page.getByTestId('replay-status').getAttribute('data-status')).toBe('INITIATED');
    await expect.poll(() => page.getByTestId('step-detail').getAttribute('data-version')).toBe('1');

    await page.getByTestId('replay-forward').click();
    await expect.poll(() => version.getAttribute('data-version')).toBe('2');
    // Version 2 is the authorization step; the server may record it as one event or two.
    await expect.poll(() => page.getByTestId('replay-status').getAttribute('data-status')).toMatch(/^(INITIATED|ESCROW)$/);
    await page.screenshot({ path: `${screenshotDir}/transaction-replay.png`, fullPage: true });

    await page.getByTestId('replay-back').click();
    await expect.poll(() => version.getAttribute('data-version')).toBe('1');

    await page.getByTestId('replay-play').click();
    await expect.poll(() => version.getAttribute('data-version'), { timeout: maxVersion * 1500 + 2000 }).toBe(String(maxVersion));
    await expect.poll(() => page.getByTestId('replay-play').getAttribute('data-playing')).toBe('false');
    await expect.poll(() => page.getByTestId('replay-status').getAttribute('data-status')).toBe('COMPLETED');

    await page.locator(`[data-testid="timeline-step"][data-version="2"]`).click();
    await expect.poll(() => page.getByTestId('step-detail').getAttribute('data-version')).toBe('2');
    expect(await page.getByTestId('json-diff').count()).toBe(1);
    await page.screenshot({ path: `${screenshotDir}/transaction-detail.png`, fullPage: true });
  });

  it('refunds the transaction', async () => {
    await page.getByTestId('action-reason').fill('e2e: customer asked');
    await page.getByTestId('action-refund').click();
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('REFUNDED');
    expect(await page.getByTestId('problem').count()).toBe(0);
  });

  it('shows ledger totals that balance', async () => {
    await page.goto(`${baseUrl}/#/ledger`);
    const books = page.getByTestId('books-balance');
    await books.waitFor();
    await expect.poll(() => books.getAttribute('data-balanced')).toBe('true');
    const totals = page.getByTestId('ledger-totals');
    expect(await totals.getAttribute('data-debits-posted')).toBe(await totals.getAttribute('data-credits-posted'));
    expect(await page.getByTestId('total-debits-pending').textContent()).toBe(
      await page.getByTestId('total-credits-pending').textContent(),
    );
    // The sums are the server's, in rupees and paise (not read as paise), per currency.
    const served = await apiGet<{
      accounts: { account: string; debitsPostedMinor: number; creditsPostedMinor: number; debitsPendingMinor: number }[];
      totals: Record<string, { debitsPosted: string; debitsPostedMinor: number }>;
    }>('/api/ledger/balances');
    expect(served.totals.INR!.debitsPostedMinor).toBeGreaterThanOrEqual(1250);
    await expect.poll(() => totals.getAttribute('data-debits-posted')).toBe(String(served.totals.INR!.debitsPostedMinor));
    expect(await totals.getAttribute('data-currency')).toBe('INR');
    expect(await page.getByTestId('total-debits-posted').textContent()).toBe(served.totals.INR!.debitsPosted);
    for (const account of served.accounts) {
      const row = page.locator(`[data-testid="balance-row"][data-account="${account.account}"]`);
      expect(await row.getAttribute('data-debits-posted')).toBe(String(account.debitsPostedMinor));
      expect(await row.getAttribute('data-credits-posted')).toBe(String(account.creditsPostedMinor));
      expect(await row.getAttribute('data-debits-pending')).toBe(String(account.debitsPendingMinor));
    }
    await page.getByTestId('ledger-filter-transactionId').fill(transactionId);
    await page.getByTestId('ledger-filter-transactionId').press('Enter');
    await expect.poll(() => page.getByTestId('ledger-entry').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${screenshotDir}/ledger.png`, fullPage: true });
  });

  it('refunds a held transaction and the ledger shows the hold voided, not posted', async () => {
    const heldId = await fireWithDroppedWebhook(page);
    await page.goto(`${baseUrl}/#/transactions/${heldId}`);
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status')).toBe('ESCROW');
    await page.getByTestId('action-reason').fill('e2e: void the hold');
    await page.getByTestId('action-refund').click();
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('REFUNDED');

    await page.goto(`${baseUrl}/#/ledger`);
    await page.getByTestId('ledger-filter-transactionId').fill(heldId);
    await page.getByTestId('ledger-filter-transactionId').press('Enter');
    const entries = page.getByTestId('ledger-entry');
    await expect.poll(() => entries.count()).toBe(2);
    expect(await entries.nth(0).getAttribute('data-phase')).toBe('pending');
    expect(await entries.nth(0).locator('td').nth(6).textContent()).toBe('hold placed');
    expect(await entries.nth(1).getAttribute('data-phase')).toBe('void_pending');
    expect(await entries.nth(1).locator('td').nth(6).textContent()).toBe('hold voided');
  });

  it('shows a dropped confirmation webhook and redelivers it', async () => {
    const heldId = await fireWithDroppedWebhook(page);
    await page.goto(`${baseUrl}/#/transactions/${heldId}`);
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status')).toBe('ESCROW');
    const delivery = page.getByTestId('webhook-delivery');
    // The drop is decided at once and logged when the delivery falls due (default delay 1 s).
    await expect.poll(() => delivery.getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('dropped');
    expect(await delivery.getAttribute('data-dropped')).toBe('true');
    expect(await delivery.textContent()).toContain('payment.confirmed');
    expect(await delivery.textContent()).toContain('dropped (webhook.dropRate)');
    await page.screenshot({ path: `${screenshotDir}/webhook-deliveries.png`, fullPage: true });

    await page.getByTestId('webhook-redeliver').click();
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('COMPLETED');
    await expect.poll(() => delivery.getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('delivered');
    expect(await delivery.getAttribute('data-attempts')).toBe('2');
    await delivery.click();
    await expect.poll(() => page.getByTestId('webhook-attempts').locator('li').count()).toBe(2);
    expect(await page.getByTestId('webhook-attempts').locator('li').nth(1).getAttribute('data-outcome')).toBe('delivered');
    expect(await page.getByTestId('problem').count()).toBe(0);
  });

  it('offers only the actions the lifecycle allows: held, completed, disputed, resolved', async () => {
    const heldId = await fireWithDroppedWebhook(page);
    await page.goto(`${baseUrl}/#/transactions/${heldId}`);
    await expectStatus(page, 'ESCROW');
    await expectActions(page, ['action-confirm', 'action-refund', 'action-override']);

    await page.getByTestId('action-confirm').click();
    await expectStatus(page, 'COMPLETED');
    await expectActions(page, ['action-refund', 'action-dispute-open', 'action-override']);

    await page.getByTestId('action-reason').fill('e2e: item not received');
    await page.getByTestId('action-dispute-open').click();
    await expectStatus(page, 'DISPUTE_OPEN');
    await expectActions(page, ['action-dispute-won', 'action-dispute-lost', 'action-override']);

    await page.getByTestId('action-dispute-won').click();
    await expectStatus(page, 'DISPUTE_RESOLVED');
    await expectActions(page, ['action-override']);
    expect(await page.getByTestId('actions-note').textContent()).toContain('DISPUTE_RESOLVED is terminal');
    expect(await page.getByTestId('problem').count()).toBe(0);
  });

  it('hides refund and dispute while a refund is pending', async () => {
    // The refund's answer comes as a webhook after webhook.delayMs: ten minutes keeps it pending.
    const slowId = await fireFromForm(page, { webhookDelayMs: '600000', escrowTtlMs: '3600000' });
    await page.goto(`${baseUrl}/#/transactions/${slowId}`);
    await expectStatus(page, 'ESCROW');
    await page.getByTestId('action-confirm').click();
    await expectStatus(page, 'COMPLETED');
    await expectActions(page, ['action-refund', 'action-dispute-open', 'action-override']);

    await page.getByTestId('action-reason').fill('e2e: refund in flight');
    await page.getByTestId('action-refund').click();
    // The event type column of the last timeline step.
    await expect.poll(() => page.getByTestId('timeline-step').last().locator('td').nth(2).textContent()).toBe('RefundRequested');
    await expectStatus(page, 'COMPLETED');
    await expectActions(page, ['action-override']);
    expect(await page.getByTestId('actions-note').textContent()).toContain('a refund is pending');
    expect(await page.getByTestId('problem').count()).toBe(0);
  });

  it('offers a retry while retries are pending, and only the override once they are exhausted', async () => {
    // Magic amount 4.04: the gateway declines every attempt; the first decline schedules retry 1 of 3.
    const declinedId = await fireFromForm(page, { amount: '4.04' });
    await page.goto(`${baseUrl}/#/transactions/${declinedId}`);
    await expectStatus(page, 'RETRY_PENDING');
    await expectActions(page, ['action-retry', 'action-override']);

    for (
      let click = 0;
      click < 6 && (await page.getByTestId('detail-status').getAttribute('data-status')) === 'RETRY_PENDING';
      click += 1
    ) {
      const before = Number(await page.getByTestId('detail-version').textContent());
      await page.getByTestId('action-retry').click();
      await expect.poll(async () => Number(await page.getByTestId('detail-version').textContent())).toBeGreaterThan(before);
    }
    await expectStatus(page, 'PERMANENTLY_FAILED');
    await expectActions(page, ['action-override']);
    expect(await page.getByTestId('actions-note').textContent()).toContain('PERMANENTLY_FAILED is terminal');
    expect(await page.getByTestId('problem').count()).toBe(0);
  });

  it('reads every page of traces, not only the first', async () => {
    // The server answers all traces in one page today; serve them in two to hold the viewer to the contract.
    const pattern = `**/api/transactions/${transactionId}/traces*`;
    await page.route(pattern, async (route) => {
      const cursor = new URL(route.request().url()).searchParams.get('cursor');
      const served = (await (await route.fetch()).json()) as { items: { version: number; service: string }[] };
      const body =
        cursor === 'second-page'
          ? {
              items: served.items.filter((trace) => trace.version > 1).map((trace) => ({ ...trace, service: 'second-page-service' })),
              nextCursor: null,
            }
          : { items: served.items.filter((trace) => trace.version === 1), nextCursor: 'second-page' };
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    });
    try {
      await page.goto(`${baseUrl}/#/transactions`);
      await page.goto(`${baseUrl}/#/transactions/${transactionId}`);
      const lastStep = page.locator('[data-testid="timeline-step"]').last();
      await expect.poll(() => lastStep.locator('td').nth(3).textContent()).toBe('second-page-service');
      expect(await page.getByTestId('timeline-step').first().locator('td').nth(3).textContent()).not.toBe('second-page-service');
    } finally {
      await page.unroute(pattern);
    }
  });

  it('captures the live feed and admin screens', async () => {
    await page.goto(`${baseUrl}/#/feed`);
    await expect.poll(() => page.getByTestId('stream-state').getAttribute('data-state')).toMatch(/^(live|caught-up)$/);
    await page.screenshot({ path: `${screenshotDir}/feed.png` });
    await page.goto(`${baseUrl}/#/admin`);
    await page.getByTestId('projections-panel').waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${screenshotDir}/admin.png`, fullPage: true });
  });

  it('verifies the invariants and shows each check with the verdict', async () => {
    await page.goto(`${baseUrl}/#/admin`);
    await page.getByTestId('verify-run').click();
    const result = page.getByTestId('verify-result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.getAttribute('data-ok')).toBe('true');
    const checks = page.getByTestId('verify-check');
    expect(await checks.count()).toBeGreaterThanOrEqual(4);
    const names = (await checks.allTextContents()).join('\n');
    expect(names).toContain('money is where each status says');
    expect(names).toContain('settlement candidates are the completed payments awaiting T+1');
    for (const check of await checks.all()) expect(await check.getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('verify-summary').textContent()).toMatch(/^folded \d+ events of \d+ transactions/);
  });

  it("injects a failure globally from the admin form: a bad value is refused by name, a set one beats the transaction's own", async () => {
    await page.goto(`${baseUrl}/#/admin`);
    const panel = page.getByTestId('failures-panel');
    await expect.poll(() => panel.getByTestId('failures-active').getAttribute('data-active')).toBe('0');
    await panel.getByTestId('failures-webhookDropRate').fill('1.5');
    await panel.getByTestId('failures-save').click();
    await expect.poll(async () => (await panel.getByTestId('problem').count()) > 0).toBe(true);
    expect(await panel.getByTestId('problem').textContent()).toContain('webhook.dropRate');
    expect((await apiGet<{ webhook: { dropRate: number | null } }>('/api/admin/failures')).webhook.dropRate).toBeNull();

    await panel.getByTestId('failures-webhookDropRate').fill('1');
    await panel.getByTestId('failures-save').click();
    await expect.poll(() => panel.getByTestId('failures-active').getAttribute('data-active')).toBe('1');
    try {
      // The transaction asks for no drops; the global setting drops its confirmation all the same.
      const id = await fireFromForm(page, { webhookDropRate: '0', webhookDelayMs: '0', amount: '8.40' });
      await page.goto(`${baseUrl}/#/transactions/${id}`);
      const delivery = page.getByTestId('webhook-delivery');
      await expect.poll(() => delivery.getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('dropped');
      expect(await page.getByTestId('detail-status').getAttribute('data-status')).toBe('ESCROW');
    } finally {
      await page.goto(`${baseUrl}/#/admin`);
      await panel.getByTestId('failures-clear').click();
      await expect.poll(() => panel.getByTestId('failures-active').getAttribute('data-active')).toBe('0');
    }
    expect(await panel.getByTestId('failures-webhookDropRate').inputValue()).toBe('');
    expect((await apiGet<{ webhook: { dropRate: number | null } }>('/api/admin/failures')).webhook.dropRate).toBeNull();
  });

  // Last: advancing the sandbox clock fires every due timer of the other tests' transactions too.
  it('advances the sandbox clock and sees the due webhook fire', async () => {
    await page.goto(`${baseUrl}/#/transactions`);
    const advanced = page.locator('details.advanced');
    if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
    await page.getByTestId('fire-webhookDropRate').fill('0');
    await page.getByTestId('fire-webhookDelayMs').fill('600000');
    await page.getByTestId('fire-escrowTtlMs').fill('3600000');
    await page.getByTestId('fire-submit').click();
    await page.getByTestId('fire-result').waitFor();
    const delayedId = (await page.getByTestId('fire-result').getAttribute('data-transaction-id'))!;
    await expect.poll(() => page.getByTestId('fire-result-status').textContent()).toBe('ESCROW');

    await page.goto(`${baseUrl}/#/admin`);
    await page.getByTestId('clock-custom-ms').fill('700000');
    await page.getByTestId('clock-advance').click();
    const report = page.getByTestId('clock-advanced');
    await report.waitFor({ timeout: 30_000 });
    expect(Number(await report.getAttribute('data-fired-timers'))).toBeGreaterThanOrEqual(1);
    expect(await report.textContent()).toMatch(/timers? fired/);

    await page.goto(`${baseUrl}/#/transactions/${delayedId}`);
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe('COMPLETED');

    // A hold placed after the advance expires 10 minutes ahead of the sandbox clock, not of the
    // wall clock (which is now more than 11 minutes behind it).
    await page.goto(`${baseUrl}/#/transactions`);
    if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
    await page.getByTestId('fire-escrowTtlMs').fill('600000');
    await page.getByTestId('fire-submit').click();
    await expect.poll(() => page.getByTestId('fire-result').getAttribute('data-transaction-id')).not.toBe(delayedId);
    const heldId = (await page.getByTestId('fire-result').getAttribute('data-transaction-id'))!;
    await page.goto(`${baseUrl}/#/transactions/${heldId}`);
    await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status')).toBe('ESCROW');
    expect(await page.getByTestId('escrow-countdown').textContent()).toMatch(/^\(in (9\.\d|10\.0) min, sandbox clock\)$/);
  });
});

describe.skipIf(externalUrl !== undefined)('live stream on a server that requires a viewer token', () => {
  const viewerToken = 'e2e-viewer-token';
  let server: OwnServer | undefined;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    server = await startOwnServer({ admin: 'e2e-stream-admin-token', viewer: viewerToken });
    // A context of its own: no token in its localStorage.
    context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(stepTimeoutMs);
  });

  afterAll(async () => {
    await context?.close();
    await server?.stop();
  });

  it('says a token is needed, stops reconnecting on the refusal, and connects once the token is saved', async () => {
    const handshakes: string[] = [];
    page.on('websocket', (socket) => {
      if (socket.url().includes('/api/stream')) handshakes.push(socket.url());
    });
    const streamState = () => page.getByTestId('stream-state').getAttribute('data-state');
    const notice = page.getByTestId('stream-token-needed');

    await page.goto(`${server!.url}/#/feed`);
    await expect.poll(streamState).toBe('unauthorized');
    await notice.waitFor();
    expect(await notice.getAttribute('data-status')).toBe('401');
    expect(await notice.getAttribute('data-token-sent')).toBe('false');
    expect(await notice.textContent()).toContain('needs a token');
    expect(await page.getByTestId('stream-token-settings-link').getAttribute('href')).toBe('#/settings');
    // No loop: without the refusal check the backoff would have tried again within a second.
    const refusedHandshakes = handshakes.length;
    expect(refusedHandshakes).toBeGreaterThanOrEqual(1);
    await page.waitForTimeout(2_000);
    expect(handshakes.length).toBe(refusedHandshakes);
    expect(await streamState()).toBe('unauthorized');

    // A wrong token: the stream tries it once, is refused again, and says so.
    await page.getByTestId('stream-token-settings-link').click();
    await page.getByTestId('token-input').fill('not-the-viewer-token');
    await page.getByTestId('token-save').click();
    await expect.poll(() => handshakes.length).toBe(refusedHandshakes + 1);
    expect(handshakes.at(-1)).toContain('token=not-the-viewer-token');
    await expect.poll(streamState).toBe('unauthorized');
    await page.goto(`${server!.url}/#/feed`);
    expect(await notice.getAttribute('data-token-sent')).toBe('true');
    expect(await page.getByTestId('stream-refusal-detail').textContent()).toContain('not known');
    await page.waitForTimeout(1_000);
    expect(handshakes.length).toBe(refusedHandshakes + 1);

    // The viewer token: the stream reconnects at once and the notice goes.
    await page.getByTestId('stream-token-settings-link').click();
    await page.getByTestId('token-input').fill(viewerToken);
    await page.getByTestId('token-save').click();
    await expect.poll(streamState).toMatch(/^(live|caught-up)$/);
    await page.goto(`${server!.url}/#/feed`);
    await expect.poll(() => page.getByTestId('feed-state').textContent()).toMatch(/^(live|caught-up)$/);
    expect(await notice.count()).toBe(0);
  });

  it('stops polling the projections while the token is refused, and polls again with the admin token', async () => {
    // Answers, not requests: a request the screen aborts as it mounts is no poll.
    const polls: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/admin/projections') polls.push(response.status());
    });
    const saveToken = async (value: string) => {
      await page.goto(`${server!.url}/#/settings`);
      await page.getByTestId('token-input').fill(value);
      await page.getByTestId('token-save').click();
    };
    const panel = page.getByTestId('projections-panel');

    // The viewer token is refused on the admin routes (403): one answer, then no request every 2 s.
    await saveToken(viewerToken);
    await page.goto(`${server!.url}/#/admin`);
    await panel.getByTestId('problem').waitFor();
    expect(await panel.getByTestId('problem').textContent()).toContain('403');
    expect(polls).toEqual([403]);
    await page.waitForTimeout(2_500);
    expect(polls).toEqual([403]);

    // The admin token: the panel loads and polls again.
    await saveToken('e2e-stream-admin-token');
    await page.goto(`${server!.url}/#/admin`);
    await panel.getByTestId('projection-row').first().waitFor();
    await expect.poll(() => polls.filter((status) => status === 200).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
  });
});

async function expectStatus(page: Page, status: string): Promise<void> {
  await expect.poll(() => page.getByTestId('detail-status').getAttribute('data-status'), { timeout: stepTimeoutMs }).toBe(status);
}

/** The detail screen's action buttons (lifecycle ones and the override), as their test ids. */
async function expectActions(page: Page, expected: string[]): Promise<void> {
  const shown = async () => {
    const buttons = await page.getByTestId('transaction-actions').locator('button[data-testid^="action-"]').all();
    return (await Promise.all(buttons.map((button) => button.getAttribute('data-testid')))).sort();
  };
  await expect.poll(shown, { timeout: stepTimeoutMs }).toEqual([...expected].sort());
}

/** Fires one transaction from the form with these fire-<field> inputs filled; returns its id. */
async function fireFromForm(page: Page, fields: Record<string, string>): Promise<string> {
  await page.goto(`${baseUrl}/#/transactions`);
  const advanced = page.locator('details.advanced');
  if ((await advanced.getAttribute('open')) === null) await advanced.locator('summary').click();
  for (const [field, value] of Object.entries(fields)) await page.getByTestId(`fire-${field}`).fill(value);
  const fired = page.getByTestId('fire-result');
  const firedId = async () => ((await fired.count()) ? ((await fired.getAttribute('data-transaction-id')) ?? '') : '');
  const previousId = await firedId();
  await page.getByTestId('fire-submit').click();
  // The result shows the previous transaction until the new one answers.
  await expect
    .poll(async () => {
      const id = await firedId();
      return id !== previousId && /^[0-9a-f-]{36}$/.test(id);
    })
    .toBe(true);
  return firedId();
}

/** Fires from the form with every confirmation webhook dropped, so the transaction stays in ESCROW; returns its id. */
async function fireWithDroppedWebhook(page: Page): Promise<string> {
  return fireFromForm(page, { webhookDropRate: '1', amount: '7.25' });
}

/** A GET straight to the API (with the token), to compare what the viewer shows with what the server says. */
async function apiGet<T>(path: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

function rowOf(page: Page, id: string): Locator {
  return page.locator(`[data-testid="transaction-row"][data-transaction-id="${id}"]`);
}

/** Polls until `attribute` equals `expected`; calls `nudge` every 2 s. False on timeout. */
async function waitForAttribute(
  locator: Locator,
  attribute: string,
  expected: string,
  timeoutMs: number,
  nudge: () => Promise<unknown>,
): Promise<boolean> {
  const deadlineMs = Date.now() + timeoutMs;
  let nextNudgeMs = Date.now() + 2_000;
  while (Date.now() < deadlineMs) {
    if ((await locator.getAttribute(attribute).catch(() => null)) === expected) return true;
    if (Date.now() >= nextNudgeMs) {
      await nudge().catch(() => undefined);
      nextNudgeMs = Date.now() + 2_000;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  return false;
}
