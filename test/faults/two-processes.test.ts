import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TestDatabase } from '@tracktrove/testing';
import { apiOf, eventually, initiateBody, sleep, type Api, type Json } from './support/api.ts';
import { expectConsistent, headPosition, readLog, waitForProjections } from './support/checks.ts';
import { report, runLoad } from './support/load.ts';
import { createServerProcess, type ServerProcess } from './support/server-process.ts';
import { freshDatabase, redis } from './support/services.ts';

const escrowTtlMs = 2_000;
const loadMs = 8_000;

/** A /api/stream client that keeps the positions of the events it receives, in order. */
interface StreamClient {
  readonly name: string;
  readonly positions: string[];
  readonly problems: string[];
  close(): void;
}

function openStream(name: string, baseUrl: string, from: string): Promise<StreamClient> {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/api/stream?from=${encodeURIComponent(from)}`);
  const client: StreamClient = { name, positions: [], problems: [], close: () => socket.close() };
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as Json;
    if (message.kind === 'event') client.positions.push(message.event.position);
  });
  socket.on('close', (code) => {
    if (code !== 1000 && code !== 1005) client.problems.push(`closed with ${code}`);
  });
  socket.on('error', (error) => client.problems.push(String(error)));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(client));
    socket.once('error', reject);
  });
}

describe('two API processes on one database under load', () => {
  let database: TestDatabase;
  let servers: ServerProcess[];
  let apis: Api[];

  beforeAll(async () => {
    database = await freshDatabase();
    servers = [
      await createServerProcess({ databaseUrl: database.url, redisUrl: redis().url, name: 'api-a' }),
      await createServerProcess({ databaseUrl: database.url, redisUrl: redis().url, name: 'api-b' }),
    ];
    await servers[0]!.start();
    await servers[1]!.start();
    apis = servers.map((server) => apiOf(server.baseUrl));
  });
  afterAll(async () => {
    for (const server of servers ?? []) await server.kill9();
    await database?.drop();
  });

  it('fires each timer once, settles each transaction once, and streams every event to every client of either', async () => {
    const [a, b] = apis as [Api, Api];
    // Something in the log first, so that the streams start from a real position.
    expect((await a.call('POST', '/api/transactions', initiateBody())).status).toBe(201);
    const from = await headPosition(a);
    const streams = await Promise.all([
      openStream('a1', a.baseUrl, from),
      openStream('a2', a.baseUrl, from),
      openStream('b1', b.baseUrl, from),
      openStream('b2', b.baseUrl, from),
    ]);

    const expiring: Array<{ id: string; onHoldExpiry: 'release' | 'void' }> = [];
    const confirmed: string[] = [];
    const toConfirm: string[] = [];
    const statuses = new Map<string, number>();
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    const load = runLoad({
      clients: 12,
      count: 20_000,
      durationMs: loadMs,
      // Enough of each kind for the checks below, however slow the machine.
      until: () => expiring.length > 50 && confirmed.length > 50,
      step: async (index, client) => {
        const api = apis[client % 2]!;
        const other = apis[(client + 1) % 2]!;
        try {
          if (index % 3 === 0) {
            const onHoldExpiry = index % 2 === 0 ? 'release' : 'void';
            const created = await api.call(
              'POST',
              '/api/transactions',
              initiateBody({ amount: '2.00', simulation: { escrowTtlMs, onHoldExpiry } }),
            );
            count(`expiring ${created.status}`);
            if (created.status === 201) expiring.push({ id: created.json.id, onHoldExpiry });
          } else if (index % 3 === 1 || toConfirm.length === 0) {
            const created = await api.call('POST', '/api/transactions', initiateBody({ amount: '20.00' }));
            count(`long hold ${created.status}`);
            if (created.status === 201) toConfirm.push(created.json.id);
          } else {
            const id = toConfirm.shift()!;
            const done = await other.call('POST', `/api/transactions/${id}/confirm`);
            count(`confirm ${done.status}`);
            if (done.status === 200) confirmed.push(id);
          }
        } catch {
          count('transport error');
        }
      },
    });
    const { started } = await load.done;
    expect(expiring.length).toBeGreaterThan(50);
    expect(confirmed.length).toBeGreaterThan(50);

    // Every hold expires, once: one EscrowHoldPosted or EscrowHoldVoided per stream at most.
    await sleep(escrowTtlMs + 2_000);
    await eventually(
      'every short hold expired',
      30_000,
      async () => {
        const page = await a.call('GET', '/api/transactions?status=ESCROW&limit=500');
        const stillHeld = new Set((page.json.items as Json[]).map((item) => item.id));
        return expiring.every((hold) => !stillHeld.has(hold.id)) ? true : undefined;
      },
      500,
    );

    // Both run settlement at once, three times: each transaction settles once, batches are disjoint.
    const tomorrow = new Date(Date.parse((await a.call('GET', '/api/admin/clock', undefined, { admin: true })).json.now) + 86_400_000)
      .toISOString()
      .slice(0, 10);
    const runs = await Promise.all(
      [a, b, a, b, a, b].map((api) =>
        api.call('POST', '/api/admin/settlement/run', { settlementDate: tomorrow }, { admin: true, timeoutMs: 60_000 }),
      ),
    );
    expect(runs.map((run) => run.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const batchIds = runs.flatMap((run) => run.json.batchIds as string[]);
    expect(new Set(batchIds).size).toBe(batchIds.length);
    const settledCount = runs.reduce((sum, run) => sum + (run.json.settledCount as number), 0);
    const releasedByExpiry = expiring.filter((hold) => hold.onHoldExpiry === 'release').length;
    expect(settledCount).toBe(confirmed.length + releasedByExpiry);

    await Promise.all(apis.map((api) => waitForProjections(api)));
    const log = await readLog(a, from);
    const perStream = new Map<string, Json>();
    for (const event of log) {
      const counts = perStream.get(event.streamId) ?? {};
      counts[event.type] = (counts[event.type] ?? 0) + 1;
      perStream.set(event.streamId, counts);
    }
    const doubled = [...perStream].filter(
      ([, counts]) =>
        (counts.EscrowHoldPosted ?? 0) + (counts.EscrowHoldVoided ?? 0) > 1 ||
        (counts.TransactionSettled ?? 0) > 1 ||
        (counts.EscrowHoldPlaced ?? 0) > 1,
    );
    expect(doubled).toEqual([]);
    for (const hold of expiring) {
      const counts = perStream.get(`txn-${hold.id}`) ?? {};
      expect(counts[hold.onHoldExpiry === 'release' ? 'EscrowHoldPosted' : 'EscrowHoldVoided'], hold.id).toBe(1);
    }
    const settledStreams = [...perStream.values()].filter((counts) => counts.TransactionSettled === 1).length;
    expect(settledStreams).toBe(settledCount);

    // Every WebSocket client of either process saw exactly the log, in order.
    const positions = log.map((event) => event.position as string);
    await eventually(
      'every stream client caught up',
      30_000,
      async () => (streams.every((stream) => stream.positions.length >= positions.length) ? true : undefined),
      250,
    );
    for (const stream of streams) {
      expect(stream.problems, stream.name).toEqual([]);
      expect(stream.positions.length, stream.name).toBe(positions.length);
      expect(stream.positions, stream.name).toEqual(positions);
    }
    for (const stream of streams) stream.close();

    const consistent = await Promise.all(apis.map((api) => expectConsistent(api)));
    report('two-processes', {
      requestsStarted: started,
      expiringHolds: expiring.length,
      confirmed: confirmed.length,
      settledCount,
      batches: batchIds.length,
      settledPerRun: runs.map((run) => run.json.settledCount),
      eventsStreamed: positions.length,
      streamClients: streams.length,
      verifyMs: consistent.map((result) => result.verifyMs),
      statuses: Object.fromEntries(statuses),
    });
  });
  it('rebuilds a read model once when both processes are asked at the same moment; both then serve the new generation', async () => {
    const [a, b] = apis as [Api, Api];
    const generationOf = async (api: Api) =>
      ((await api.call('GET', '/api/admin/projections', undefined, { admin: true })).json.items as Json[]).find(
        (item) => item.name === 'ledger',
      )?.generation as number;
    const before = await generationOf(a);
    const answers = await Promise.all(
      [a, b].map((api) => api.call('POST', '/api/admin/projections/ledger/rebuild', undefined, { admin: true })),
    );
    // One process takes the rebuild; the other is refused (409), never a second build of the same generation.
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 409]);
    const refused = answers.find((answer) => answer.status === 409)!;
    expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
    let last: unknown;
    await eventually(
      'both processes serve the rebuilt ledger',
      30_000,
      async () => {
        const generations = await Promise.all([a, b].map(generationOf));
        const statuses = await Promise.all(
          [a, b].map(
            async (api) =>
              ((await api.call('GET', '/api/admin/projections', undefined, { admin: true })).json.items as Json[]).find(
                (item) => item.name === 'ledger',
              )?.status,
          ),
        );
        last = { before, generations, statuses };
        // One process applies the read model ('live'), the other waits for its lock ('standby').
        return generations.every((generation) => generation === before + 1) &&
          statuses.includes('live') &&
          statuses.every((status) => status === 'live' || status === 'standby')
          ? true
          : undefined;
      },
      250,
    ).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify(last)}`);
    });
    await Promise.all(apis.map((api) => expectConsistent(api)));
  });
});
