import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually, initiateBody, sleep, type Json } from './support/api.ts';
import { expectConsistent, waitForProjections } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { serverUnderTest } from './support/server-under-test.ts';

/** A 2xx the server sent: the command is acknowledged and must survive anything after it. */
interface Acknowledged {
  readonly kind: 'initiate' | 'idempotent-initiate' | 'confirm' | 'refund' | 'dispute';
  readonly id: string;
  readonly position: string;
  readonly version: number;
  readonly idempotencyKey?: string;
  readonly body?: Json;
}

const clients = 16;
const loadBeforeKillMs = 4_000;
const killRounds = 3;

describe('kill -9 of the server during concurrent load', () => {
  const under = serverUnderTest();

  it('keeps every acknowledged command, and the read models converge after a restart', async () => {
    const acknowledged: Acknowledged[] = [];
    const escrow: string[] = [];
    const completed: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const pick = (list: string[]) => (list.length === 0 ? undefined : list.splice(Math.floor(Math.random() * list.length), 1)[0]);

    const step = async (index: number) => {
      const roll = index % 10;
      try {
        if (roll < 5 || escrow.length === 0) {
          const created = await under.api.call(
            'POST',
            '/api/transactions',
            initiateBody({ amount: `${1 + (index % 400)}.${String(index % 100).padStart(2, '0')}` }),
          );
          count(`initiate ${created.status}`);
          if (created.status === 201) {
            acknowledged.push({ kind: 'initiate', id: created.json.id, position: created.json.position, version: created.json.version });
            if (created.json.status === 'ESCROW') escrow.push(created.json.id);
          }
        } else if (roll === 5) {
          const key = randomUUID();
          const body = initiateBody({ amount: '7.50' });
          const created = await under.api.call('POST', '/api/transactions', body, { headers: { 'idempotency-key': key } });
          count(`idempotent-initiate ${created.status}`);
          if (created.status === 201) {
            acknowledged.push({
              kind: 'idempotent-initiate',
              id: created.json.id,
              position: created.json.position,
              version: created.json.version,
              idempotencyKey: key,
              body,
            });
          }
        } else if (roll < 8) {
          const id = pick(escrow);
          if (!id) return;
          const confirmed = await under.api.call('POST', `/api/transactions/${id}/confirm`);
          count(`confirm ${confirmed.status}`);
          if (confirmed.status === 200) {
            acknowledged.push({ kind: 'confirm', id, position: confirmed.json.position, version: confirmed.json.version });
            completed.push(id);
          }
        } else if (roll === 8) {
          const id = pick(escrow);
          if (!id) return;
          const refunded = await under.api.call('POST', `/api/transactions/${id}/refund`, { reason: 'kill -9 test' });
          count(`refund ${refunded.status}`);
          if (refunded.status === 200)
            acknowledged.push({ kind: 'refund', id, position: refunded.json.position, version: refunded.json.version });
        } else {
          const id = pick(completed);
          if (!id) return;
          const opened = await under.api.call('POST', `/api/transactions/${id}/disputes`, { reason: 'kill -9 test' });
          count(`dispute ${opened.status}`);
          if (opened.status === 200)
            acknowledged.push({ kind: 'dispute', id, position: opened.json.position, version: opened.json.version });
        }
      } catch (error) {
        count(
          `transport error ${(error as Error).cause ? String((error as { cause: { code?: string } }).cause.code) : (error as Error).name}`,
        );
        await sleep(20);
      }
    };

    // Several rounds: load, kill -9 in the middle of it, restart on the same database.
    let started = 0;
    let restartMs = 0;
    const ackedAtKill: number[] = [];
    for (let round = 0; round < killRounds; round += 1) {
      const load = runLoad({ clients, count: 50_000, durationMs: 60_000, step });
      await sleep(loadBeforeKillMs);
      // Enough writes in the round to judge it by, however slow the machine (bounded): a server that
      // refused every write after a restart would still fail here, at the bound.
      const ackedBefore = ackedAtKill.at(-1) ?? 0;
      const wanted = round === 0 ? 101 : 51;
      await eventually(
        `${wanted} writes acknowledged in round ${round + 1}`,
        30_000,
        async () => (acknowledged.length - ackedBefore >= wanted ? true : undefined),
        100,
      ).catch(() => undefined); // judged below, with the round's count
      ackedAtKill.push(acknowledged.length);
      await under.server.kill9();
      load.stop();
      started += (await load.done).started;
      restartMs = Math.max(restartMs, await under.server.start());
    }
    // Writes succeed in every round, so after every restart too (not only before the first kill),
    // and once more after the last one.
    const ackedPerRound = ackedAtKill.map((acked, round) => acked - (round === 0 ? 0 : ackedAtKill[round - 1]!));
    expect(ackedPerRound[0]).toBeGreaterThan(100);
    expect(ackedPerRound.filter((acked) => acked <= 50)).toEqual([]);
    const afterLastRestart = await under.api.call('POST', '/api/transactions', initiateBody());
    expect(afterLastRestart.status).toBe(201);
    acknowledged.push({
      kind: 'initiate',
      id: afterLastRestart.json.id,
      position: afterLastRestart.json.position,
      version: afterLastRestart.json.version,
    });
    const restartedAt = Date.now();

    // Every acknowledged command's event is in its stream, at the acknowledged position and version.
    const byId = new Map<string, Acknowledged[]>();
    for (const ack of acknowledged) byId.set(ack.id, [...(byId.get(ack.id) ?? []), ack]);
    const missing: Acknowledged[] = [];
    const ids = [...byId.keys()];
    for (let offset = 0; offset < ids.length; offset += 16) {
      await Promise.all(
        ids.slice(offset, offset + 16).map(async (id) => {
          const events = await under.api.call('GET', `/api/transactions/${id}/events`);
          const found = new Map<string, number>(
            (events.status === 200 ? (events.json.items as Json[]) : []).map((event) => [
              event.position as string,
              event.version as number,
            ]),
          );
          for (const ack of byId.get(id)!) if (found.get(ack.position) !== ack.version) missing.push(ack);
        }),
      );
    }
    expect(missing).toEqual([]);

    // The global log holds them too, and a replayed idempotency key answers the stored response.
    const replays = acknowledged.filter((ack) => ack.kind === 'idempotent-initiate').slice(0, 20);
    for (const ack of replays) {
      const again = await under.api.call('POST', '/api/transactions', ack.body, { headers: { 'idempotency-key': ack.idempotencyKey! } });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json.id).toBe(ack.id);
    }

    // Read models converge: every acknowledged transaction is readable at (at least) its acknowledged version.
    await waitForProjections(under.api);
    const convergedMs = Date.now() - restartedAt;
    const lastById = [...byId.values()].map((acks) => acks.reduce((a, b) => (a.version >= b.version ? a : b)));
    for (let offset = 0; offset < lastById.length; offset += 16) {
      await Promise.all(
        lastById.slice(offset, offset + 16).map(async (ack) => {
          const read = await under.api.call('GET', `/api/transactions/${ack.id}?minPosition=${ack.position}`);
          expect(read.status).toBe(200);
          expect(read.json.version).toBeGreaterThanOrEqual(ack.version);
        }),
      );
    }

    const { verifyMs, report: verified } = await expectConsistent(under.api);
    report('kill-9', {
      clients,
      killRounds,
      requestsStarted: started,
      acknowledged: acknowledged.length,
      transactions: byId.size,
      ackedAtKill,
      ackedPerRound,
      outcomes: Object.fromEntries(outcomes),
      restartMs,
      convergedMs,
      verifyMs,
      checkedEvents: verified.checkedEvents,
    });
  });
});
