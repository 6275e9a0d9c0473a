import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  queryDatabase,
  startLocalPostgresReplica,
  startLocalRedisSentinelGroup,
  type LocalRedisSentinelGroup,
  type LocalService,
  type TestDatabase,
} from '@tracktrove/testing';
import { apiOf, initiateBody, sleep, type Api, type Json } from './support/api.ts';
import { expectConsistent, readLog } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { createServerProcess, type ServerProcess } from './support/server-process.ts';
import { freshDatabase } from './support/services.ts';
import type {} from './support/provided.ts';

const escrowTtlMs = 2_000;
/** How late past its due time a hold may fire at most (the sweeper runs every 250 ms in each process). */
const sweeperBoundMs = 3_000;

interface Acknowledged {
  readonly kind: 'initiate' | 'confirm';
  readonly id: string;
  readonly position: string;
  readonly version: number;
}

interface Hold {
  readonly id: string;
  readonly onHoldExpiry: 'release' | 'void';
}

/**
 * Everything of docs/scaling.md at once: two API processes on a primary with a streaming replica
 * (DATABASE_READ_URLS) and on Redis behind three sentinels (REDIS_SENTINELS). Under load the Redis
 * master is killed, the PostgreSQL replica stopped and started, one API process killed with SIGKILL
 * and started again.
 */
describe('two processes, a replica, Sentinel: faults one after another under load', () => {
  let group: LocalRedisSentinelGroup | undefined;
  let replica: LocalService | undefined;
  let database: TestDatabase | undefined;
  const processes: ServerProcess[] = [];
  const apis: Api[] = [];

  beforeAll(async () => {
    [group, replica, database] = await Promise.all([
      startLocalRedisSentinelGroup(),
      startLocalPostgresReplica(inject('databaseUrl')),
      freshDatabase(),
    ]);
    const readUrl = new URL(replica.url);
    readUrl.pathname = new URL(database.url).pathname;
    const env = { DATABASE_READ_URLS: readUrl.toString(), REDIS_SENTINELS: group.sentinelsEnv, REDIS_MASTER_NAME: group.masterName };
    for (const name of ['api-a', 'api-b']) {
      const server = await createServerProcess({ databaseUrl: database.url, env, name });
      await server.start();
      processes.push(server);
      apis.push(apiOf(server.baseUrl));
    }
  });
  afterAll(async () => {
    await Promise.all(processes.map((server) => server.kill9()));
    await database?.drop();
    await Promise.all([group?.destroy(), replica?.destroy()]);
  });

  it('loses nothing acknowledged, fires each hold once and in time, honours minPosition through the replica, verifies on both', async () => {
    const [a, b] = apis as [Api, Api];
    let bAlive = true;
    const apiFor = (client: number) => (client % 2 === 1 && bAlive ? b : a);
    const other = (api: Api) => (api === a && bAlive ? b : a);
    const acknowledged: Acknowledged[] = [];
    const holds: Hold[] = [];
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const staleReads: Json[] = [];

    const step = async (index: number, client: number) => {
      const api = apiFor(client);
      try {
        const roll = index % 5;
        if (roll < 3) {
          const onHoldExpiry = index % 2 === 0 ? 'release' : 'void';
          const created = await api.call(
            'POST',
            '/api/transactions',
            initiateBody({ amount: '3.00', simulation: { escrowTtlMs, onHoldExpiry, webhook: { delayMs: 86_400_000 } } }),
          );
          count(`hold ${created.status}`);
          if (created.status === 201 && created.json.status === 'ESCROW') {
            holds.push({ id: created.json.id, onHoldExpiry });
            acknowledged.push({ kind: 'initiate', id: created.json.id, position: created.json.position, version: created.json.version });
          }
        } else if (roll === 3) {
          const created = await api.call('POST', '/api/transactions', initiateBody({ amount: '4.00' }));
          count(`initiate ${created.status}`);
          if (created.status !== 201) return;
          acknowledged.push({ kind: 'initiate', id: created.json.id, position: created.json.position, version: created.json.version });
          // Confirmed through the other process: it decides on the primary's state, never a replica's.
          const confirmed = await other(api).call('POST', `/api/transactions/${created.json.id}/confirm`);
          count(`confirm ${confirmed.status}`);
          if (confirmed.status === 200)
            acknowledged.push({ kind: 'confirm', id: created.json.id, position: confirmed.json.position, version: confirmed.json.version });
        } else {
          const ack = acknowledged.at(-1 - (index % 8));
          if (!ack) return;
          const read = await api.call('GET', `/api/transactions/${ack.id}?minPosition=${ack.position}`);
          const from = read.headers.get('tracktrove-read-from') ?? 'none';
          count(
            `read ${read.status} ${from}${read.headers.get('tracktrove-read-fallback') ? `/${read.headers.get('tracktrove-read-fallback')}` : ''}`,
          );
          if (read.status === 200 && read.headers.get('tracktrove-read-behind') !== 'true' && read.json.version < ack.version) {
            staleReads.push({ ...ack, read: read.json.version, from });
          }
        }
      } catch (error) {
        count(`transport error (${api === a ? 'a' : 'b'})`);
        await sleep(50);
      }
      await sleep(10);
    };

    const load = runLoad({ clients: 6, count: 50_000, durationMs: 90_000, step });
    const timeline: Record<string, number> = {};
    const startedAt = Date.now();
    const mark = (name: string) => {
      timeline[name] = Date.now() - startedAt;
    };

    await sleep(3_000);
    const crashedRedis = await group!.crashMaster();
    mark('redisMasterKilled');
    await group!.waitForFailover(crashedRedis);
    mark('redisReplicaPromoted');
    await sleep(2_000);
    await replica!.stop();
    mark('pgReplicaStopped');
    await sleep(2_000);
    await replica!.start();
    mark('pgReplicaStarted');
    await sleep(2_000);
    bAlive = false;
    await processes[1]!.kill9();
    mark('apiBKilled');
    await sleep(2_000);
    await group!.restartStopped();
    mark('oldRedisMasterBack');
    await processes[1]!.start();
    bAlive = true;
    mark('apiBRestarted');
    await sleep(3_000);
    load.stop();
    const { started } = await load.done;
    mark('loadStopped');
    await sleep(escrowTtlMs + sweeperBoundMs);

    expect(holds.length).toBeGreaterThan(100);
    // Reads with minPosition never answered older than the acknowledged version (unless they said they were behind).
    expect(staleReads.slice(0, 5)).toEqual([]);
    const servedByReplica = [...outcomes.entries()]
      .filter(([key]) => key.startsWith('read 200 replica-'))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(servedByReplica).toBeGreaterThan(20);

    // Nothing acknowledged is lost: each command's event is in its stream at its position and version.
    const missing: Acknowledged[] = [];
    for (let offset = 0; offset < acknowledged.length; offset += 16) {
      await Promise.all(
        acknowledged.slice(offset, offset + 16).map(async (ack) => {
          const events = await a.call('GET', `/api/transactions/${ack.id}/events`);
          const found = ((events.json.items as Json[] | undefined) ?? []).some(
            (event) => event.position === ack.position && event.version === ack.version,
          );
          if (!found) missing.push(ack);
        }),
      );
    }
    expect(missing.slice(0, 5)).toEqual([]);

    // Each hold fired once, as its onHoldExpiry says, no later than the sweeper's bound.
    const timers = await queryDatabase<{ transaction_id: string; state: string; fired_by: string | null; late_ms: number | null }>(
      database!.url,
      `select transaction_id, state, fired_by, (extract(epoch from fired_at - due_at) * 1000)::float8 as late_ms
         from tt_timers where kind = 'hold_expiry' and transaction_id = any($1::text[])`,
      [holds.map((hold) => hold.id)],
    );
    expect(timers.length).toBe(holds.length);
    expect(timers.filter((timer) => timer.state !== 'fired').slice(0, 5)).toEqual([]);
    const lateMs = Math.max(...timers.map((timer) => timer.late_ms ?? Infinity));
    expect(lateMs).toBeLessThan(sweeperBoundMs);
    const resolutions = new Map<string, string[]>();
    for (const event of await readLog(a)) {
      if (event.type === 'EscrowHoldPosted' || event.type === 'EscrowHoldVoided')
        resolutions.set(event.streamId, [...(resolutions.get(event.streamId) ?? []), event.type]);
    }
    const wrong = holds.filter((hold) => {
      const resolved = resolutions.get(`txn-${hold.id}`) ?? [];
      return resolved.length !== 1 || resolved[0] !== (hold.onHoldExpiry === 'release' ? 'EscrowHoldPosted' : 'EscrowHoldVoided');
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    const firedBy: Record<string, number> = {};
    for (const timer of timers) firedBy[timer.fired_by ?? 'none'] = (firedBy[timer.fired_by ?? 'none'] ?? 0) + 1;

    const { verifyMs } = await expectConsistent(a);
    const { verifyMs: verifyMsB } = await expectConsistent(b);
    report('beyond-one-machine', {
      requestsStarted: started,
      acknowledged: acknowledged.length,
      holds: holds.length,
      servedByReplica,
      lateMsMax: Math.round(lateMs),
      firedBy,
      timeline,
      verifyMs,
      verifyMsB,
      outcomes: Object.fromEntries(outcomes),
    });
  });
});
