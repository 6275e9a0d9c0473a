import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventually, initiateBody } from './support/api.ts';
import { expectConsistent, headPosition } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { malformedRequests, type MalformedRequest } from './support/malformed-requests.ts';
import { serverUnderTest } from './support/server-under-test.ts';

const requestCount = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** The route of a request, ids and query left out. */
const routeOf = (sent: MalformedRequest) =>
  `${sent.method} ${sent.path.split('?')[0]!.replace(/\/(transactions|deliveries|ledger)\/[^/]+/, '/$1/:id')}`;

function byRoute<T extends MalformedRequest>(failures: T[]): Record<string, { count: number; example: T }> {
  const grouped: Record<string, { count: number; example: T }> = {};
  for (const failure of failures) {
    const key = routeOf(failure);
    grouped[key] ??= { count: 0, example: failure };
    grouped[key].count += 1;
  }
  return grouped;
}

describe(`${requestCount} malformed requests across every route (seed ${seed})`, () => {
  const under = serverUnderTest();

  it('answers every one with a 4xx (never a 5xx) and changes nothing', async () => {
    const escrow = await under.api.call('POST', '/api/transactions', initiateBody());
    const refunded = await under.api.call('POST', '/api/transactions', initiateBody());
    expect([escrow.status, refunded.status]).toEqual([201, 201]);
    const refund = await under.api.call('POST', `/api/transactions/${refunded.json.id}/refund`, { reason: 'fixture' });
    expect(refund.json.status).toBe('REFUNDED');
    const fixtures = { escrowId: escrow.json.id as string, refundedId: refunded.json.id as string };

    // The head once the fixtures' own events are readable: the log shows a committed event only
    // when every transaction older than it has ended (a projection's batch, a timer sweep).
    const headBefore = await eventually('the fixtures in the log', 10_000, async () => {
      const head = await headPosition(under.api);
      return head !== 'start' && head >= (refund.json.position as string) ? head : undefined;
    });
    const clockBefore = (await under.api.call('GET', '/api/admin/clock', undefined, { admin: true })).json;
    const failuresBefore = (await under.api.call('GET', '/api/admin/failures', undefined, { admin: true })).json;
    const deliveriesBefore = (await under.api.call('GET', `/api/webhooks/deliveries?transactionId=${fixtures.escrowId}`)).json;

    const requests = fc.sample(malformedRequests(fixtures), { numRuns: requestCount, seed });
    const statuses = new Map<number, number>();
    const serverErrors: Array<MalformedRequest & { status: number; answer: string }> = [];
    const accepted: Array<MalformedRequest & { status: number; answer: string }> = [];
    const transportErrors: Array<MalformedRequest & { error: string }> = [];
    const load = runLoad({
      clients: 16,
      count: requests.length,
      durationMs: 240_000,
      step: async (index) => {
        const sent = requests[index]!;
        try {
          const response = await fetch(`${under.server.baseUrl}${sent.path}`, {
            method: sent.method,
            headers: sent.headers,
            body: sent.body,
            signal: AbortSignal.timeout(15_000),
          });
          const answer = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const summary = { ...sent, body: sent.body?.slice(0, 300), status: response.status, answer: answer.slice(0, 300) };
          if (response.status >= 500) serverErrors.push(summary);
          // Every request is malformed by construction: a 2xx to any of them, a read included, is a
          // defect let through (or a generator that built a valid request: fix it there).
          else if (response.status < 300) accepted.push(summary);
        } catch (error) {
          transportErrors.push({ ...sent, body: sent.body?.slice(0, 300), error: String((error as Error).cause ?? error) });
        }
      },
    });
    const { started, elapsedMs } = await load.done;
    // A number literal too large for a double parses as Infinity: the amount check must refuse it.
    const infinite = await under.api.call('POST', '/api/transactions', JSON.stringify(initiateBody()).replace('"12.50"', '1e999999'));
    expect(infinite.status).toBe(400);
    expect(started).toBe(requestCount);

    // One example per route and status, so a failure names every kind of defect at once.
    expect(byRoute(serverErrors)).toEqual({});
    expect(byRoute(accepted)).toEqual({});
    expect(byRoute(transportErrors)).toEqual({});

    // Nothing changed: no event after the head, the clock, failure settings and deliveries as they were.
    const after = await under.api.call('GET', `/api/events?from=${headBefore}`);
    expect(after.json.items.map((event: { type: string; streamId: string }) => `${event.streamId} ${event.type}`)).toEqual([]);
    expect((await under.api.call('GET', '/api/admin/failures', undefined, { admin: true })).json).toEqual(failuresBefore);
    expect((await under.api.call('GET', `/api/webhooks/deliveries?transactionId=${fixtures.escrowId}`)).json).toEqual(deliveriesBefore);
    const clockAfter = (await under.api.call('GET', '/api/admin/clock', undefined, { admin: true })).json;
    expect(Date.parse(clockAfter.now) - Date.parse(clockBefore.now)).toBeLessThan(elapsedMs + 60_000);
    expect((await under.api.call('GET', `/api/transactions/${fixtures.escrowId}`)).json).toMatchObject({ status: 'ESCROW', version: 2 });

    const { verifyMs } = await expectConsistent(under.api);
    report('fuzz', {
      seed,
      requests: started,
      elapsedMs,
      requestsPerSecond: Math.round(started / (elapsedMs / 1000)),
      statuses: Object.fromEntries([...statuses].sort()),
      verifyMs,
    });
  });
});
