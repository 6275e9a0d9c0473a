import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildMetadata } from '@tracktrove/domain';
import { testRedisUrl } from '@tracktrove/testing';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

type Json = Record<string, any>;

describe('the transactions API on PostgreSQL and Redis', () => {
  let server: TestServer;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      json = { text };
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  const admin = { authorization: 'Bearer admin-token' };
  const initiate = (overrides: Json = {}, headers: Record<string, string> = {}) =>
    call(
      'POST',
      '/api/transactions',
      {
        vendorId: randomUUID(),
        amount: '12.50',
        channel: 'WEB',
        kind: 'TIP',
        payload: { note: 'thanks' },
        simulation: { webhook: { delayMs: 3_600_000 } },
        ...overrides,
      },
      headers,
    );

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { redisUrl: testRedisUrl() } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('initiates: 201, Location, ETag, the transaction object and its position', async () => {
    const created = await initiate();
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      status: 'ESCROW',
      amount: '12.50',
      amountMinor: 1250,
      currency: 'INR',
      channel: 'WEB',
      kind: 'TIP',
      version: 2,
      retryCount: 0,
      lastError: null,
    });
    expect(created.headers.get('location')).toBe(`/api/transactions/${created.json.id}`);
    expect(created.headers.get('etag')).toBe('"2"');
    const read = await call('GET', `/api/transactions/${created.json.id}?minPosition=${created.json.position}`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: created.json.id, status: 'ESCROW', version: 2, position: created.json.position });
    expect(read.json.escrowExpiresAt).not.toBeNull();
  });

  it('accepts the seed shape on /api/transactions/initiate', async () => {
    const created = await call('POST', '/api/transactions/initiate', {
      vendorId: randomUUID(),
      amount: 99.5,
      currency: 'INR',
      channel: 'MOBILE',
      initialPayloadJson: '{"tip":true}',
      simulatedSuccessRate: 1,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ amount: '99.50', kind: 'PAYMENT', channel: 'MOBILE' });
  });

  it.each([
    ['three decimals', '12.505'],
    ['an exponent', '1e2'],
    ['zero', '0'],
    ['a negative', '-5'],
    ['above the limit', '500.01'],
    ['below the limit', '0.99'],
    ['not a number', 'twelve'],
  ])('rejects an amount with %s: 400 naming the field, nothing appended', async (_name, amount) => {
    const before = await server.context.store.headPosition();
    const response = await initiate({ amount });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.json).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(response.json.errors.map((error: Json) => error.path)).toContain('amount');
    expect(await server.context.store.headPosition()).toBe(before);
  });

  it('rejects unknown enum values, a bad vendor id and an unknown currency with 400s naming fields', async () => {
    expect((await initiate({ channel: 'FAX' })).json.errors[0].path).toBe('channel');
    expect((await initiate({ vendorId: 'nope' })).json.errors[0].path).toBe('vendorId');
    expect((await initiate({ currency: 'XYZ' })).json.errors[0].path).toBe('currency');
    expect((await call('POST', '/api/transactions', '{"not json')).status).toBe(400);
  });

  it('walks a transaction through confirm, traces, ledger and refund', async () => {
    const created = await initiate();
    const id = created.json.id as string;
    const confirmed = await call('POST', `/api/transactions/${id}/confirm`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.json.status).toBe('COMPLETED');
    const traces = await call('GET', `/api/transactions/${id}/traces?minPosition=${confirmed.json.position}`);
    expect(traces.json.items.map((trace: Json) => trace.type)).toEqual(['TransactionInitiated', 'EscrowHoldPlaced', 'EscrowHoldPosted']);
    const posted = traces.json.items[2];
    expect(posted.diff).toEqual(expect.arrayContaining([expect.objectContaining({ op: 'replace', path: '/status', value: 'COMPLETED' })]));
    const events = await call('GET', `/api/transactions/${id}/events`);
    expect(events.json.items.map((event: Json) => event.version)).toEqual([1, 2, 3]);
    expect(events.json.items[0]).toMatchObject({ streamId: `txn-${id}`, type: 'TransactionInitiated', schemaVersion: 2 });
    expect((await call('GET', `/api/transactions/${id}/status`)).text).toBe('COMPLETED');
    expect((await call('GET', `/api/transactions/${id}/error-stack`)).status).toBe(404);
    const entries = await call('GET', `/api/ledger/${id}?minPosition=${confirmed.json.position}`);
    expect(entries.json.length).toBeGreaterThan(0);
    const refunded = await call('POST', `/api/transactions/${id}/refund`, { reason: 'customer asked' }, { 'if-match': '"3"' });
    expect(refunded.status).toBe(200);
    expect(refunded.json.version).toBe(4);
    const balances = await call('GET', `/api/ledger/balances?minPosition=${refunded.json.position}`);
    for (const totals of Object.values(balances.json.totals) as Json[]) {
      expect(totals.debitsPostedMinor).toBe(totals.creditsPostedMinor);
      expect(totals.debitsPendingMinor).toBe(totals.creditsPendingMinor);
    }
  });

  it('answers 412 for a stale If-Match and 409 for an invalid transition, changing nothing', async () => {
    const created = await initiate();
    const id = created.json.id as string;
    const stale = await call('POST', `/api/transactions/${id}/confirm`, undefined, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.json.code).toBe('version_mismatch');
    const invalid = await call('POST', `/api/transactions/${id}/disputes/resolve`, { outcome: 'WON' });
    expect(invalid.status).toBe(409);
    expect(invalid.json.code).toBe('invalid_transition');
    expect((await call('GET', `/api/transactions/${id}/events`)).json.items).toHaveLength(2);
    expect((await call('POST', `/api/transactions/${id}/confirm`, undefined, { 'if-match': 'soon' })).status).toBe(400);
    // If-Match: * is any current version (RFC 9110): the command goes ahead; on an unknown transaction it is a 404.
    const any = await call('POST', `/api/transactions/${id}/confirm`, undefined, { 'if-match': '*' });
    expect(any.status).toBe(200);
    expect(any.json.status).toBe('COMPLETED');
    expect((await call('POST', `/api/transactions/${randomUUID()}/confirm`, undefined, { 'if-match': '*' })).status).toBe(404);
  });

  it('replays an Idempotency-Key with the same body and refuses it with another body', async () => {
    const key = randomUUID();
    const body = { vendorId: randomUUID(), amount: '5.00', channel: 'API' };
    const first = await call('POST', '/api/transactions', body, { 'idempotency-key': key });
    const again = await call('POST', '/api/transactions', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json.id).toBe(first.json.id);
    expect(again.json.position).toBe(first.json.position);
    const other = await call('POST', '/api/transactions', { ...body, amount: '6.00' }, { 'idempotency-key': key });
    expect(other.status).toBe(422);
    expect(other.json.code).toBe('idempotency_key_reused');
  });

  it('opens and resolves a dispute through the api.md and seed routes', async () => {
    const created = await initiate();
    const id = created.json.id as string;
    await call('POST', `/api/transactions/${id}/confirm`);
    const opened = await call('PATCH', `/api/transactions/${id}/open-dispute`, { reason: 'not received' });
    expect(opened.json.status).toBe('DISPUTE_OPEN');
    const resolved = await call('POST', `/api/transactions/${id}/disputes/resolve`, { outcome: 'LOST' });
    expect(resolved.json.status).toBe('DISPUTE_RESOLVED');
  });

  it('keeps admin routes for the admin token: 401 without, the override recorded with actor and reason', async () => {
    const created = await initiate();
    const id = created.json.id as string;
    expect((await call('POST', `/api/admin/transactions/${id}/override`, { status: 'FAILED', reason: 'ops' })).status).toBe(401);
    expect(
      (await call('POST', `/api/admin/transactions/${id}/override`, { status: 'FAILED', reason: 'ops' }, { authorization: 'Bearer wrong' }))
        .status,
    ).toBe(401);
    const overridden = await call('POST', `/api/admin/transactions/${id}/override`, { status: 'FAILED', reason: 'ops said so' }, admin);
    expect(overridden.status).toBe(200);
    expect(overridden.json.status).toBe('FAILED');
    const events = await call('GET', `/api/transactions/${id}/events`);
    // The override is the last event the answer knew of (a retry follows it in the background).
    const override = events.json.items.find((event: Json) => event.version === overridden.json.version);
    expect(override.type).toBe('StatusOverridden');
    expect(override.metadata.actor).toEqual({ role: 'admin', id: 'admin-token' });
    expect(JSON.stringify(override.data)).toContain('ops said so');
  });

  it('advances the sandbox clock, runs settlement and reports projections', async () => {
    const before = await call('GET', '/api/admin/clock', undefined, admin);
    const advanced = await call('POST', '/api/admin/clock/advance', { ms: 60_000 }, admin);
    expect(advanced.status).toBe(200);
    expect(Date.parse(advanced.json.now) - Date.parse(before.json.now)).toBeGreaterThanOrEqual(60_000);
    const settlement = await call('POST', '/api/admin/settlement/run', {}, admin);
    expect(settlement.status).toBe(200);
    expect(settlement.json).toHaveProperty('settledCount');
    const projections = await call('GET', '/api/admin/projections', undefined, admin);
    expect(projections.json.items.map((item: Json) => item.name)).toEqual(expect.arrayContaining(['transactions', 'traces', 'ledger']));
    const failures = await call('GET', '/api/admin/failures', undefined, admin);
    expect(failures.status).toBe(200);
  });

  it("sends the sandbox clock's now with every response, for a viewer without the admin token", async () => {
    const advanced = await call('POST', '/api/admin/clock/advance', { ms: 86_400_000 }, admin);
    expect(advanced.status).toBe(200);
    const created = await initiate();
    const header = created.headers.get('tracktrove-sandbox-now');
    expect(header).not.toBeNull();
    // The advanced clock, not the wall clock: the hold's expiry is 30 s after it.
    expect(Math.abs(Date.parse(header!) - Date.parse(advanced.json.now))).toBeLessThan(10_000);
    expect(Date.parse(created.json.escrowExpiresAt) - Date.parse(header!)).toBeGreaterThan(0);
    expect(Date.parse(created.json.escrowExpiresAt) - Date.parse(header!)).toBeLessThanOrEqual(31_000);
    const listed = await call('GET', '/api/transactions?limit=1');
    expect(Date.parse(listed.headers.get('tracktrove-sandbox-now')!) - Date.now()).toBeGreaterThan(86_000_000);
  });

  it('rebuilds read models from history over the admin API, then verifies them', async () => {
    await initiate();
    expect((await call('POST', '/api/admin/projections/nothing/rebuild', undefined, admin)).status).toBe(404);
    const accepted = await call('POST', '/api/admin/projections/all/rebuild', undefined, admin);
    expect(accepted.status).toBe(202);
    expect(accepted.json.projections).toEqual(expect.arrayContaining(['transactions', 'traces', 'ledger']));
    const deadline = Date.now() + 30_000;
    let items: Json[] = [];
    while (Date.now() < deadline) {
      items = (await call('GET', '/api/admin/projections', undefined, admin)).json.items;
      if (items.every((item) => item.generation >= 2 && item.status === 'live')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(items.every((item) => item.generation >= 2 && item.status === 'live')).toBe(true);
    const verify = await call('POST', '/api/admin/verify', undefined, admin);
    expect(verify.status).toBe(200);
    expect(verify.json).toMatchObject({ ok: true, differences: [], violations: [] });
  });

  it('replaces the global failure settings, refusing bad ones with 400 naming the field', async () => {
    const bad = await call('PUT', '/api/admin/failures', { webhook: { dropRate: 2 } }, admin);
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].path).toBe('webhook.dropRate');
    const put = await call('PUT', '/api/admin/failures', { successRate: 0.5, webhook: { reorder: true } }, admin);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ successRate: 0.5, webhook: { reorder: true, dropRate: null } });
    expect((await call('GET', '/api/admin/failures', undefined, admin)).json).toEqual(put.json);
    expect((await call('PUT', '/api/admin/failures', {}, admin)).json).toMatchObject({ successRate: null, webhook: { reorder: false } });
  });

  it('redelivers a webhook on request and logs the attempt; lists settlement batches', async () => {
    const created = await initiate();
    const id = created.json.id as string;
    const deliveries = (await call('GET', `/api/webhooks/deliveries?transactionId=${id}`)).json.items as Json[];
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ transactionId: id, type: 'payment.confirmed', status: 'scheduled' });
    const redelivered = await call('POST', `/api/webhooks/deliveries/${deliveries[0]!.id}/redeliver`);
    expect(redelivered.status).toBe(200);
    // The attempt names no log position to wait for: the read model gets there within its lag.
    let status: unknown;
    for (let tries = 0; tries < 100 && status !== 'COMPLETED'; tries += 1) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await call('GET', `/api/transactions/${id}`)).json.status;
    }
    expect(status).toBe('COMPLETED');
    const after = (await call('GET', `/api/webhooks/deliveries?transactionId=${id}`)).json.items as Json[];
    expect(after[0]!.attempts.length).toBeGreaterThan(0);
    expect(after[0]!.attempts.at(-1).response.status).toBe(200);
    expect((await call('POST', `/api/webhooks/deliveries/${randomUUID()}/redeliver`)).status).toBe(404);
    const batches = await call('GET', '/api/admin/settlement/batches', undefined, admin);
    expect(batches.status).toBe(200);
    expect(Array.isArray(batches.json.items)).toBe(true);
  });

  it('refuses a webhook with a bad signature with 400, and lists deliveries', async () => {
    const created = await initiate();
    const body = JSON.stringify({
      id: randomUUID(),
      type: 'payment.confirmed',
      transactionId: created.json.id,
      createdAt: new Date().toISOString(),
    });
    const bad = await call('POST', '/api/webhooks/gateway', body, {
      'tracktrove-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
    });
    expect(bad.status).toBe(400);
    expect((await call('GET', `/api/transactions/${created.json.id}`)).json.status).toBe('ESCROW');
    const deliveries = await call('GET', `/api/webhooks/deliveries?transactionId=${created.json.id}`);
    expect(deliveries.status).toBe(200);
    expect(Array.isArray(deliveries.json.items)).toBe(true);
  });

  it('answers 404 problem+json for unknown transactions and routes', async () => {
    const unknown = await call('GET', `/api/transactions/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('not_found');
    expect((await call('POST', `/api/transactions/${randomUUID()}/confirm`)).status).toBe(404);
    expect((await call('GET', '/api/nothing-here')).status).toBe(404);
  });

  // Last: it leaves the database with the violations it reports.
  it('verify reports money an older version stranded, and a completed payment no settlement run would take', async () => {
    const { store } = server.context;
    const completed = async () => {
      const created = await initiate();
      const confirmed = await call('POST', `/api/transactions/${created.json.id}/confirm`, undefined, admin);
      expect(confirmed.json).toMatchObject({ status: 'COMPLETED', version: 3 });
      return created.json.id as string;
    };
    expect((await call('POST', '/api/admin/verify', undefined, admin)).json).toMatchObject({ ok: true, violations: [] });

    // Its settlement candidate lost: no T+1 run would ever pay the vendor.
    const unpaid = await completed();
    await sql`delete from tt_settlement_candidates where transaction_id = ${unpaid}`.execute(store.database.db);
    // An override as an older version wrote it: DISPUTE_RESOLVED with the money left in escrow.
    const stranded = await completed();
    const actor = { role: 'admin' as const, id: 'admin-token' };
    await store.appendToStream(
      `txn-${stranded}`,
      [
        {
          type: 'StatusOverridden',
          data: {
            from: 'COMPLETED',
            to: 'DISPUTE_RESOLVED',
            reason: 'written by an older version',
            actor,
            fundsBefore: 'escrow',
            fundsAfter: 'escrow',
            newHold: null,
            overriddenAt: new Date().toISOString(),
          },
          metadata: buildMetadata({ actor, correlationId: randomUUID(), step: 'StatusOverridden', service: 'admin' }),
        },
      ],
      { expectedVersion: 3 },
    );

    const verify = await call('POST', '/api/admin/verify', undefined, admin);
    expect(verify.status).toBe(200);
    expect(verify.json).toMatchObject({ ok: false, differences: [] });
    const found = (verify.json.violations as Json[]).map((violation) => [violation.invariant, violation.message]);
    // The stranded money shows twice: in the fold of the events (funds_match_status) and in the
    // ledger's entries (flows_match_status, the ledger checker's).
    expect(found).toHaveLength(4);
    expect(found).toEqual(
      expect.arrayContaining([
        ['funds_match_status', expect.stringContaining(`transaction ${stranded} is DISPUTE_RESOLVED with its money at escrow`)],
        ['flows_match_status', `transaction ${stranded} is DISPUTE_RESOLVED but its entries leave its money at escrow, not vendor`],
        ['settlement_candidates', expect.stringContaining(`transaction ${stranded}: a settlement candidate, but DISPUTE_RESOLVED`)],
        ['settlement_candidates', expect.stringContaining(`transaction ${unpaid}: completed at`)],
      ]),
    );

    // The candidates put right from the states; the stranded money stays for an admin override to move.
    expect((await call('POST', '/api/admin/settlement/candidates/sync', { transactionIds: [] }, admin)).json.errors[0].path).toBe(
      'transactionIds',
    );
    expect((await call('POST', '/api/admin/settlement/candidates/sync', { transactionIds: ['nope'] }, admin)).json.errors[0].path).toBe(
      'transactionIds.0',
    );
    const stranger = randomUUID();
    const synced = await call('POST', '/api/admin/settlement/candidates/sync', { transactionIds: [unpaid, stranded, stranger] }, admin);
    expect(synced.status).toBe(200);
    expect(synced.json).toEqual({
      items: [
        { transactionId: unpaid, awaitsSettlement: true },
        { transactionId: stranded, awaitsSettlement: false },
      ],
      unknown: [stranger],
    });
    const after = await call('POST', '/api/admin/verify', undefined, admin);
    expect((after.json.violations as Json[]).map((violation) => violation.invariant)).toEqual(['flows_match_status', 'funds_match_status']);
  });

  it('serves the OpenAPI document generated from the route schemas', async () => {
    const document = await call('GET', '/docs/json');
    expect(document.json.paths).toHaveProperty('/api/transactions');
    expect(document.json.paths['/api/transactions'].post.requestBody).toBeDefined();
  });
});
