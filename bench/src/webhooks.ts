/**
 * Webhook endpoint deliveries: 1,000 transactions (WEBHOOKS_TRANSACTIONS) initiated at
 * WEBHOOKS_RATE transactions/s (default 200), each making two events (initiated, escrow held), to 3
 * endpoints (WEBHOOKS_ENDPOINTS) with no injected faults: 6,000 deliveries, each to a receiver in
 * this process that answers 200 at once.
 *
 *  - Latency of one delivery = its arrival at the receiver minus the moment the initiate that
 *    appended its event returned (the append had committed just before). Same process, one clock.
 *  - Deliveries/s = deliveries over the time from the first initiate to the last arrival.
 *
 * The facade runs as the server does (createTrackTrove: the dispatcher with its defaults, 16
 * attempts in flight), on PostgreSQL, in-process timers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createTrackTrove } from '@tracktrove/application';
import { commandMigrations } from '@tracktrove/commands';
import { createEventStore, createPostgresDatabase, eventStoreMigrations, migrateToLatest } from '@tracktrove/event-store';
import { quantile } from './lib/stats.ts';
import type { Benchmark, TargetResult } from './lib/types.ts';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const config = {
  transactions: knob('WEBHOOKS_TRANSACTIONS', 1_000),
  transactionsPerSecond: knob('WEBHOOKS_RATE', 200),
  endpoints: knob('WEBHOOKS_ENDPOINTS', 3),
  eventsPerTransaction: 2,
  targetP99Ms: 100,
  drainTimeoutMs: 120_000,
};

const operator = { role: 'operator', id: 'bench' } as const;
const admin = { role: 'admin', id: 'bench' } as const;

export const benchmark: Benchmark = {
  name: 'webhooks',
  description: `endpoint deliveries: ${config.transactions.toLocaleString('en-US')} transactions to ${config.endpoints} endpoints, no faults, commit to delivery`,
  async run(context) {
    const server = await context.postgres();
    const benchDatabase = await server.createDatabase('webhooks');
    const database = createPostgresDatabase({ connectionString: benchDatabase.url, poolSize: 20 });
    const arrivals = new Map<string, number[]>();
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const at = performance.now();
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { transactionId: string };
        const list = arrivals.get(body.transactionId) ?? [];
        list.push(at);
        arrivals.set(body.transactionId, list);
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const store = await createEventStore({ database });
    const app = createTrackTrove({
      database,
      store,
      webhookSecret: 'bench-webhook-secret-0123456789',
      defaults: {
        escrowTtlMs: 3_600_000,
        maxRetries: 3,
        retryBaseDelayMs: 1000,
        retryMaxDelayMs: 60_000,
        amountLimits: { minMinor: 100, maxMinor: 50_000 },
      },
      timers: { dailySettlement: false },
    });
    try {
      await migrateToLatest(database.db, { ...eventStoreMigrations, ...commandMigrations, ...app.migrations });
      await app.start();
      for (let index = 0; index < config.endpoints; index += 1)
        await app.webhookEndpoints.create({ url: `http://127.0.0.1:${port}/endpoint-${index}` }, admin);
      const committedAt = new Map<string, number>();
      const intervalMs = 1000 / config.transactionsPerSecond;
      const startedAt = performance.now();
      context.log(`initiating ${config.transactions} transactions at ${config.transactionsPerSecond}/s`);
      const initiates: Promise<void>[] = [];
      for (let index = 0; index < config.transactions; index += 1) {
        const wait = startedAt + index * intervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        initiates.push(
          app
            .initiate(
              {
                vendorId: randomUUID(),
                amountMinor: 1250,
                currency: 'INR',
                channel: 'API',
                kind: 'TIP',
                payload: {},
                simulation: { successRate: 1, webhook: { delayMs: 86_400_000 } },
              },
              operator,
            )
            .then((result) => {
              committedAt.set(result.state.transactionId, performance.now());
            }),
        );
      }
      await Promise.all(initiates);
      const expected = config.transactions * config.eventsPerTransaction * config.endpoints;
      const arrived = () => [...arrivals.values()].reduce((sum, list) => sum + list.length, 0);
      const drainUntil = performance.now() + config.drainTimeoutMs;
      while (arrived() < expected && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 20));
      const lastArrival = Math.max(...[...arrivals.values()].flat());
      const latencies = [...arrivals.entries()].flatMap(([transactionId, list]) => list.map((at) => at - committedAt.get(transactionId)!));
      const deliveriesPerSecond = (arrived() * 1000) / (lastArrival - startedAt);
      const p99 = quantile(latencies, 0.99);
      const targets: TargetResult[] = [
        {
          id: 'webhooks-p99',
          description: `commit to delivery p99 < ${config.targetP99Ms} ms`,
          metric: 'p99 ms',
          actual: p99,
          required: config.targetP99Ms,
          basis: `${config.targetP99Ms} ms (lower is better)`,
          met: p99 < config.targetP99Ms && arrived() === expected,
        },
      ];
      return {
        figures: [
          {
            id: 'webhooks.tracktrove',
            workload: `${config.transactions} transactions at ${config.transactionsPerSecond}/s, ${config.endpoints} endpoints answering 200`,
            system: 'TrackTrove endpoint deliveries',
            reference: false,
            metrics: {
              'deliveries/s': Math.round(deliveriesPerSecond),
              'p50 ms': quantile(latencies, 0.5),
              'p99 ms': p99,
              'max ms': Math.max(...latencies),
              deliveries: arrived(),
              expected,
            },
          },
        ],
        targets,
        config,
        notes: [
          'The receiver, the application and its dispatcher run in one process, sharing the cores with PostgreSQL.',
          'Latency starts when the initiate returned, just after its append committed: it leaves out the commit itself.',
        ],
      };
    } finally {
      await app.stop();
      await store.close();
      await database.close();
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
      await benchDatabase.drop();
    }
  },
};
