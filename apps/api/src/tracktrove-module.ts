import type { FastifyInstance } from 'fastify';
import { applicationSettings } from '@tracktrove/config';
import {
  createReadQueries,
  createTrackTrove,
  settlementCandidateViolations,
  trackTroveDb,
  trackTroveMigrations,
  type TrackTrove,
} from '@tracktrove/application';
import { loadOrCreateWebhookSecret } from '@tracktrove/simulator';
import { upcastTransactionEvent } from '@tracktrove/commands';
import { readModels, startProjectionRuntime, type Projection, type ProjectionRuntime } from '@tracktrove/projections';
import type { Module } from './server.ts';
import { adminProjectionRoutes } from './routes/admin-projections.ts';
import { adminRoutes } from './routes/admin.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { transactionCommandRoutes } from './routes/transaction-commands.ts';
import { transactionReadRoutes } from './routes/transaction-reads.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { webhookEndpointRoutes } from './routes/webhook-endpoints.ts';
import { replicaReads } from './http/read-routing.ts';
import { openReadReplicas, replicaReadiness } from './read-replicas.ts';
import { seedCompatRoutes } from './seed-compat/seed-routes.ts';

export interface TrackTroveModuleHandle {
  trackTrove?: TrackTrove;
  runtime?: ProjectionRuntime;
}

/**
 * The whole product as one server module: the read models and their runtime, the application
 * facade (timers, simulator), and every route. The simulated gateway delivers its webhooks through
 * the app's own POST /api/webhooks/gateway, so they pass the same signature check and route.
 */
export function trackTroveModule(handle: TrackTroveModuleHandle = {}): Module {
  let app: FastifyInstance | undefined;
  return {
    migrations: trackTroveMigrations,
    upcast: upcastTransactionEvent,
    async start({ config, logger, database, store }) {
      const trackTrove = createTrackTrove({
        ...applicationSettings(config),
        database,
        store,
        webhookSecret: config.webhookSecret ?? (await loadOrCreateWebhookSecret(trackTroveDb(database))),
        webhookUrl: '/api/webhooks/gateway',
        webhookTransport: async (request) => {
          if (!app) return { status: 503, body: 'the API is not ready' };
          const response = await app.inject({
            method: 'POST',
            url: '/api/webhooks/gateway',
            headers: request.headers,
            payload: request.body,
          });
          return { status: response.statusCode, body: response.body };
        },
        logger: logger.child({ component: 'application' }),
      });
      const projections: Projection[] = [...readModels, ...(trackTrove.projections as readonly Projection[])];
      const runtime = await startProjectionRuntime({ store, projections, logger: logger.child({ component: 'projections' }) });
      const replicas = openReadReplicas(config.databaseReadUrls, logger.child({ component: 'read-replicas' }));
      const reads = replicaReads(runtime, trackTroveDb(store.database), replicas.replicas);
      const queries = createReadQueries(runtime, store);
      await trackTrove.start();
      handle.trackTrove = trackTrove;
      handle.runtime = runtime;
      return {
        routes: [
          transactionReadRoutes(runtime, queries, reads),
          transactionCommandRoutes(trackTrove),
          ledgerRoutes(runtime, queries, reads),
          webhookRoutes(trackTrove),
          webhookEndpointRoutes(trackTrove),
          adminRoutes(trackTrove),
          adminProjectionRoutes(runtime, queries, {
            checkTransactions: (states) => settlementCandidateViolations(trackTroveDb(store.database), states),
          }),
        ],
        seedCompatRoutes: [seedCompatRoutes(runtime, queries, trackTrove)],
        sandboxNow: () => trackTrove.clock.nowCached(),
        readinessChecks: {
          projections: async () => {
            const statuses = await runtime.status();
            const failing = statuses.filter((status) => status.lastError !== null);
            return {
              status: failing.length > 0 ? ('degraded' as const) : ('up' as const),
              items: statuses.map(({ name, status, lag, position }) => ({ name, status, lag, position })),
            };
          },
          ...(replicas.replicas.length > 0 ? { replicas: () => replicaReadiness(replicas.replicas, store.database.db) } : {}),
          redis: async () => {
            const readiness = await trackTrove.readiness();
            const status = readiness.redis.status === 'up' ? 'up' : readiness.redis.status === 'disabled' ? 'disabled' : 'down';
            return { status: status as 'up' | 'disabled' | 'down', detail: readiness.redis.detail };
          },
          timers: async () => {
            const { timers } = await trackTrove.readiness();
            return { ...timers, status: timers.status === 'running' ? 'up' : timers.status === 'degraded' ? 'degraded' : 'down' };
          },
        },
        projectionLag: async () => (await runtime.status()).map(({ name, lag }) => ({ name, lag })),
        pendingHolds: () => trackTrove.pendingHolds(),
        timersFired: () => trackTrove.timersFired() as Record<string, number>,
        onAppReady(ready) {
          app = ready;
        },
        async stop() {
          await trackTrove.stop();
          await runtime.stop();
          await replicas.stop();
        },
      };
    },
  };
}
