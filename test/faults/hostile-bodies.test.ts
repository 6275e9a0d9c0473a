import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminToken } from './support/server-process.ts';
import { serverUnderTest } from './support/server-under-test.ts';

/** `[[[...]]]`, `depth` levels, 2 bytes a level: 130,000 levels are 260 KB, under the 256 KiB body limit. */
const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const healthBoundMs = 1_000;

interface HostileBody {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

const hostileBodies = (): HostileBody[] => [
  { name: 'no route, no token', method: 'POST', path: '/x', body: nestedArray(130_000) },
  {
    name: 'an initiate whose payload nests 120,000 deep',
    method: 'POST',
    path: '/api/transactions',
    body: `{"vendorId":"${randomUUID()}","amount":"10.00","channel":"WEB","payload":${nestedArray(120_000)}}`,
  },
  {
    name: "the seed initiate's initialPayloadJson",
    method: 'POST',
    path: '/api/transactions/initiate',
    body: JSON.stringify({ vendorId: randomUUID(), amount: 10, channel: 'WEB', initialPayloadJson: nestedArray(120_000) }),
  },
  {
    name: 'failure settings, as admin',
    method: 'PUT',
    path: '/api/admin/failures',
    body: `{"webhook":${nestedArray(120_000)}}`,
    headers: { authorization: `Bearer ${adminToken}` },
  },
  { name: 'the gateway webhook', method: 'POST', path: '/api/webhooks/gateway', body: nestedArray(130_000) },
];

/**
 * A body built to be slow (nesting tens of thousands deep, under the body limit) must be refused
 * without taking the event loop: /health answers within a second the whole time. A bound for
 * liveness, not a benchmark.
 */
describe('bodies nested tens of thousands deep', () => {
  const under = serverUnderTest();

  it('are refused with a 4xx while /health keeps answering within a second', async () => {
    const url = under.server.baseUrl;
    const healthMs: number[] = [];
    const healthFailures: string[] = [];
    let sending = true;
    const probe = (async () => {
      while (sending) {
        const startedAt = performance.now();
        try {
          const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(healthBoundMs * 2) });
          await response.arrayBuffer();
          if (response.status !== 200) healthFailures.push(`status ${response.status}`);
        } catch (error) {
          healthFailures.push(String((error as Error).cause ?? error));
        }
        healthMs.push(performance.now() - startedAt);
        await new Promise((done) => setTimeout(done, 50));
      }
    })();

    const answers: Array<{ name: string; status: number }> = [];
    try {
      // Three rounds of all of them at once: one event loop, every hostile body in flight together.
      for (let round = 0; round < 3; round += 1) {
        answers.push(
          ...(await Promise.all(
            hostileBodies().map(async (hostile) => {
              const response = await fetch(`${url}${hostile.path}`, {
                method: hostile.method,
                headers: { 'content-type': 'application/json', ...hostile.headers },
                body: hostile.body,
                signal: AbortSignal.timeout(30_000),
              });
              await response.arrayBuffer();
              return { name: hostile.name, status: response.status };
            }),
          )),
        );
      }
    } finally {
      sending = false;
      await probe;
    }

    for (const answer of answers) expect(answer.status, answer.name).toBeGreaterThanOrEqual(400);
    for (const answer of answers) expect(answer.status, answer.name).toBeLessThan(500);
    expect(healthFailures).toEqual([]);
    expect(healthMs.length).toBeGreaterThan(0);
    expect(Math.max(...healthMs)).toBeLessThan(healthBoundMs);
  });
});
