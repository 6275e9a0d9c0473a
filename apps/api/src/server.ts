import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { pino, type Logger } from 'pino';
import { sql, type Migration } from 'kysely';
import {
  createEventStore,
  eventStoreMigrations,
  migrateToLatest,
  openDatabase,
  type EventStore,
  type StoreDatabase,
  type Upcaster,
} from '@tracktrove/event-store';
import { buildApp } from './app.ts';
import type { Config } from '@tracktrove/config';
import { availabilityLimits, trackAvailability } from './http/availability.ts';
import { openToTheNetwork } from './http/exposure.ts';
import { createMetrics } from './metrics.ts';
import type { AppContext, ComponentCheck } from './app-context.ts';
import { startLogTail } from './stream/log-tail.ts';

export interface Module {
  readonly migrations?: Record<string, Migration>;
  /** Brings stored events of older schema versions up to date on every read. */
  readonly upcast?: Upcaster;
  /** Starts the module's background work and answers its routes, checks and stop. */
  start?(base: BaseServices): Promise<StartedModule>;
}

export interface StartedModule {
  readonly routes?: ReadonlyArray<(context: AppContext) => FastifyPluginAsync>;
  /** Routes of the seed-compatible listener, started when SEED_COMPAT_PORT is set. */
  readonly seedCompatRoutes?: ReadonlyArray<(context: AppContext) => FastifyPluginAsync>;
  readonly readinessChecks?: Record<string, () => Promise<ComponentCheck>>;
  readonly projectionLag?: () => Promise<Array<{ name: string; lag: number }>>;
  readonly pendingHolds?: () => Promise<number>;
  /** Timers fired since start, by path (tracktrove_timers_fired_total). */
  readonly timersFired?: () => Readonly<Record<string, number>>;
  /** The sandbox clock's now, without I/O (see AppContext.sandboxNow). */
  readonly sandboxNow?: () => Date;
  onAppReady?(app: FastifyInstance): void;
  stop?(): Promise<void>;
}

export interface BaseServices {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: StoreDatabase;
  readonly store: EventStore;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly context: AppContext;
  /** The address it listens on, when listen was asked for. */
  readonly url: string | null;
  /** The seed-compatible listener (SEED_COMPAT_PORT): its app, and its address when listening. */
  readonly seedCompat: { readonly app: FastifyInstance; readonly url: string | null } | null;
  close(): Promise<void>;
}

export interface StartServerOptions {
  readonly config: Config;
  readonly modules?: readonly Module[];
  readonly upcast?: Upcaster;
  readonly listen?: boolean;
  readonly logger?: Logger;
}

/** Opens the database, migrates, starts the modules and the HTTP server. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'tracktrove' } });
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'),
    logger,
  });
  const migrations = Object.assign({}, eventStoreMigrations, ...(options.modules ?? []).map((module) => module.migrations ?? {}));
  const ran = await migrateToLatest(database.db, migrations);
  if (ran.length > 0) logger.info({ migrations: ran }, 'migrations applied');
  const upcasters = [options.upcast, ...(options.modules ?? []).map((module) => module.upcast)].filter(
    (upcast): upcast is Upcaster => upcast !== undefined,
  );
  const upcast: Upcaster | undefined =
    upcasters.length === 0 ? undefined : (event) => upcasters.reduce((current, next) => next(current), event);
  const store = await createEventStore({ database, upcast, logger });

  const adminToken = config.tokens.admin ?? randomBytes(24).toString('base64url');
  if (!config.tokens.admin) logger.warn({ adminToken }, 'TRACKTROVE_ADMIN_TOKEN is unset: generated an admin token for this run');
  const exposure = openToTheNetwork(config);
  if (exposure) logger.warn({ host: config.host }, exposure);

  const base: BaseServices = { config, logger, database, store };
  const started: StartedModule[] = [];
  for (const module of options.modules ?? []) if (module.start) started.push(await module.start(base));

  const metrics = createMetrics({
    projectionLag: async () => (await Promise.all(started.map((module) => module.projectionLag?.() ?? []))).flat(),
    pendingHolds: async () =>
      (await Promise.all(started.map((module) => module.pendingHolds?.() ?? 0))).reduce((sum, count) => sum + count, 0),
    timersFired: () => {
      const totals: Record<string, number> = {};
      for (const module of started)
        for (const [path, count] of Object.entries(module.timersFired?.() ?? {})) totals[path] = (totals[path] ?? 0) + count;
      return totals;
    },
  });
  const tail = await startLogTail({
    store,
    logger,
    onBatch: (types) => {
      for (const type of types) metrics.eventsAppended.inc({ type });
    },
  });
  // On PostgreSQL the probe is a ping on a connection of its own, bounded in time, and also runs as
  // a heartbeat: a server that stops answering (a partition) is noticed within about three seconds,
  // and the pool's connections are dropped so that requests waiting on it answer 503 at once.
  const availability = trackAvailability(
    async () => {
      if (database.ping) await database.ping(availabilityLimits.pingTimeoutMs);
      else await sql`select 1`.execute(database.db);
    },
    { logger, heartbeatMs: database.ping ? availabilityLimits.heartbeatMs : 0, onUnavailable: () => database.dropConnections?.() },
  );
  const context: AppContext = {
    config,
    logger,
    store,
    tail,
    metrics,
    availability,
    tokens: { admin: adminToken, operator: config.tokens.operator, viewer: config.tokens.viewer },
    readinessChecks: Object.assign({}, ...started.map((module) => module.readinessChecks ?? {})),
    sandboxNow: started.find((module) => module.sandboxNow)?.sandboxNow,
  };
  const app = await buildApp(context, { routes: started.flatMap((module) => module.routes ?? []) });
  for (const module of started) module.onAppReady?.(app);
  let url: string | null = null;
  if (options.listen ?? true) url = await app.listen({ port: config.port, host: config.host });
  else await app.ready();
  const seedCompat =
    config.seedCompatPort === undefined ? null : await startSeedCompat(context, started, config.seedCompatPort, options.listen ?? true);

  return {
    app,
    context,
    url,
    seedCompat,
    async close() {
      await seedCompat?.app.close();
      await app.close();
      await tail.stop();
      for (const module of started.reverse()) await module.stop?.();
      availability.stop();
      await store.close();
      await database.close();
    },
  };
}

/**
 * The seed-compatible API on a listener of its own: the original TrackTrove frontend's requests,
 * answered as its backend did (docs/seed-compatibility.md), next to TrackTrove's own API, which
 * keeps its contract on PORT. Same context, so the same store, read models, auth and CORS.
 */
async function startSeedCompat(context: AppContext, started: readonly StartedModule[], port: number, listen: boolean) {
  const app = await buildApp(context, { routes: started.flatMap((module) => module.seedCompatRoutes ?? []), serveWebUi: false });
  let url: string | null = null;
  if (listen) url = await app.listen({ port, host: context.config.host });
  else await app.ready();
  context.logger.info({ url }, 'seed-compatible API listening');
  return { app, url };
}
