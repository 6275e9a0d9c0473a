import { randomUUID } from 'node:crypto';
import { tablesOf } from '@tracktrove/event-store';
import { endpointMigrations, startDispatcher, type Dispatcher, type EndpointTables } from '@tracktrove/endpoints';
import { startIdempotencyExpiry, type CommandTables, type IdempotencyExpiry } from '@tracktrove/commands';
import {
  defaultFailureSettings,
  deliverWebhook,
  listDeliveries,
  readFailureSettings,
  simulatorMigrations,
  writeFailureSettings,
  type DeliverOptions,
} from '@tracktrove/simulator';
import {
  countPendingTimers,
  createRedisHolds,
  createSandboxClock,
  createTimerService,
  timerMigrations,
  type RedisHolds,
  type TimerService,
} from '@tracktrove/timers';
import { system, type ApplicationContext } from './application-context.ts';
import { listSettlementBatches, runSettlement, settlementMigrations, syncSettlementCandidates } from './settlement/index.ts';
import { applyEffectsAfterCommit } from './apply-effects.ts';
import { advanceClock } from './clock-advance.ts';
import { createCommandBus } from './command-bus.ts';
import { applicationMigrations, type Effects } from './command-effects.ts';
import { endpointEventDescriber } from './endpoint-event-body.ts';
import { webhookEndpoints } from './webhook-endpoints.ts';
import { dailySettlement } from './daily-settlement.ts';
import { confirmManually } from './manual-confirmation.ts';
import { readinessOf } from './readiness.ts';
import { timerHandlers } from './timer-handlers.ts';
import type { TrackTrove, TrackTroveOptions } from './track-trove-api.ts';
import { userCommands } from './user-commands.ts';
import { createWebhookIntake, inProcessTransport } from './webhook-intake.ts';
import { trackTroveDb } from './tables.ts';

export type {
  CommandOptions,
  InitiateInput,
  Readiness,
  SimulationInput,
  TrackTrove,
  TrackTroveDefaults,
  TrackTroveOptions,
  TransactionResult,
} from './track-trove-api.ts';
export { commandBatchLimits } from './command-bus.ts';
export { webhookBatchLimits } from './webhook-intake.ts';

/**
 * The application: wires the workflows together and answers the facade the API and the CLI call.
 * Each workflow lives in a file of its own: user commands (user-commands.ts) and timers
 * (timer-handlers.ts) go through the command bus (command-bus.ts), which appends each command with
 * its effects in one statement; the gateway's webhooks come in through webhook-intake.ts; an
 * operator's confirmation goes out as one (manual-confirmation.ts); T+1 runs at each date change
 * (daily-settlement.ts).
 */
export function createTrackTrove(options: TrackTroveOptions): TrackTrove {
  const { database, logger } = options;
  const db = trackTroveDb(database);
  const clock = createSandboxClock(db);
  const context: ApplicationContext = {
    database,
    db,
    clock,
    logger,
    defaults: options.defaults,
    webhookUrl: options.webhookUrl ?? '/api/webhooks/gateway',
    backoff: { baseDelayMs: options.defaults.retryBaseDelayMs, maxDelayMs: options.defaults.retryMaxDelayMs },
    settings: { failures: defaultFailureSettings },
  };

  // The timer service and Redis's fast path hear of each commit's effects; both are made below,
  // from handlers that need the command bus, so the bus reaches them through this function.
  let timerService: TimerService;
  let redis: RedisHolds | null = null;
  const applyEffects = (effects: Effects) => applyEffectsAfterCommit(effects, { timerService, redis, clock, logger });

  const bus = createCommandBus(context, applyEffects);
  const receiveWebhook = createWebhookIntake(context, { bus, applyEffects, secret: options.webhookSecret });
  const transport = options.webhookTransport ?? inProcessTransport(receiveWebhook);
  const deliverOptions: DeliverOptions = {
    secret: options.webhookSecret,
    transport: (request) => transport(request),
    now: () => clock.nowRecent(),
    onScheduled: (timer) => timerService.scheduled(timer),
  };
  const settleDaily = options.timers?.dailySettlement === false ? null : dailySettlement(context);

  timerService = createTimerService({
    db,
    clock,
    handlers: timerHandlers(context, { bus, applyEffects, deliverOptions }),
    logger,
    sweepIntervalMs: options.timers?.sweepIntervalMs,
    inProcessWake: !options.redisUrl && !options.redisSentinel,
    onTick: async (now) => {
      context.settings.failures = await readFailureSettings(db);
      await settleDaily?.(now);
    },
  });
  if (options.redisUrl || options.redisSentinel) {
    redis = createRedisHolds({
      ...(options.redisSentinel ? { sentinel: options.redisSentinel } : { url: options.redisUrl }),
      fire: (timerIds, firedBy) => timerService.fireTimers(timerIds, firedBy),
      nowMs: () => clock.nowCached().getTime(),
      simulatedDown: () => context.settings.failures.redisDown,
      pollIntervalMs: options.timers?.redisPollIntervalMs,
      keyPrefix: options.timers?.redisKeyPrefix,
      logger,
    });
  }

  let idempotencyExpiry: IdempotencyExpiry | undefined;
  let dispatcher: Dispatcher | undefined;
  const endpointOptions = options.endpoints ?? {};
  const endpoints = webhookEndpoints(context, {
    allowedHosts: endpointOptions.allowedHosts ?? [],
    wake: () => dispatcher?.wake(),
  });

  return {
    migrations: { ...timerMigrations, ...settlementMigrations, ...simulatorMigrations, ...applicationMigrations, ...endpointMigrations },
    projections: [],
    async start() {
      context.settings.failures = await readFailureSettings(db);
      timerService.start();
      await redis?.start();
      idempotencyExpiry ??= startIdempotencyExpiry({
        db: tablesOf<CommandTables>()(db),
        maxKeys: options.idempotency?.maxKeys,
        intervalMs: options.idempotency?.expiryIntervalMs,
        onError: (error) => logger?.warn({ err: error }, 'idempotency keys not expired this time; the next run tries again'),
      });
      if (endpointOptions.dispatch !== false)
        dispatcher ??= startDispatcher({
          db: tablesOf<EndpointTables>()(db),
          now: () => clock.nowRecent(100),
          describeEvent: endpointEventDescriber(options.store, () => context.settings.failures),
          allowedHosts: endpointOptions.allowedHosts ?? [],
          waker: options.store.waker,
          timeoutMs: endpointOptions.timeoutMs,
          slowMs: endpointOptions.slowMs,
          leaseMs: endpointOptions.leaseMs,
          logger: logger?.child({ component: 'endpoint-deliveries' }),
        });
    },
    async stop() {
      await dispatcher?.stop();
      dispatcher = undefined;
      await idempotencyExpiry?.stop();
      idempotencyExpiry = undefined;
      await redis?.stop();
      await timerService.stop();
    },
    readiness: () => readinessOf(context, timerService, redis),
    pendingHolds: () => countPendingTimers(db, 'hold_expiry'),
    timersFired: () => timerService.status().firedByPath,
    ...userCommands(context, bus),
    confirm: (transactionId, actor, commandOptions) => confirmManually(context, deliverOptions, transactionId, actor, commandOptions),
    async runSettlement(settlementOptions = {}) {
      return runSettlement(db, {
        now: await clock.now(),
        settlementDate: settlementOptions.settlementDate,
        cutoffHourUtc: options.defaults.settlementCutoffHourUtc,
        actor: settlementOptions.actor ?? system('settlement'),
        correlationId: settlementOptions.correlationId ?? randomUUID(),
      });
    },
    listSettlementBatches: (filter) => listSettlementBatches(db, filter),
    syncSettlementCandidates: (transactionIds) => syncSettlementCandidates(db, transactionIds),
    clock: {
      now: () => clock.now(),
      nowCached: () => clock.nowCached(),
      async advance(advance, actor = system('clock'), correlationId = randomUUID()) {
        const advanced = await advanceClock(database, timerService, advance, { actor, correlationId });
        // Deliveries the new time made due (retries, injected delays) go now, not at the next poll.
        dispatcher?.wake();
        return advanced;
      },
    },
    failures: {
      get: () => readFailureSettings(db),
      async put(settings) {
        context.settings.failures = await writeFailureSettings(db, settings);
        return context.settings.failures;
      },
    },
    receiveWebhook,
    listDeliveries: (filter) => listDeliveries(db, filter),
    redeliver: (deliveryId) => deliverWebhook(db, deliveryId, { ...deliverOptions, manual: true }),
    ...endpoints,
  };
}
