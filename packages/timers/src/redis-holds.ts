import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { createGroupCommit, repeatEvery } from '@tracktrove/common';
import type { FiredBy } from './timer-store.ts';

/**
 * The fast path of escrow hold expiry on Redis. Each pending hold is
 * - a key `tt:hold:<timerId>` with a TTL (PX), whose keyspace `expired` event fires the timer, and
 * - a member of the sorted set `tt:holds` scored by its due time (sandbox epoch ms), polled with
 *   ZRANGEBYSCORE every pollIntervalMs: Redis expires keys by sampling, so with 100,000 TTLs the
 *   notification can lag tens of seconds; the poll keeps expiry prompt and follows the sandbox clock.
 * PostgreSQL stays the truth: the sweeper fires whatever this path misses (lost notification,
 * subscriber disconnected, Redis down). Every path goes through the same atomic claim.
 */
export interface RedisHolds {
  register(hold: { timerId: string; dueAtMs: number; nowMs: number }): Promise<void>;
  remove(timerIds: readonly string[]): Promise<void>;
  /** Members of the sorted set (pending holds known to Redis). */
  size(): Promise<number>;
  status(): RedisStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisStatus {
  readonly status: 'up' | 'down' | 'simulated_down';
  readonly detail: string;
  readonly notifications: 'enabled' | 'unknown' | 'not_configurable';
}

/** Redis behind Sentinel: the sentinels' addresses and the name they monitor the master under. */
export interface RedisSentinelTarget {
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  readonly masterName: string;
}

export interface RedisHoldsOptions {
  /** One Redis server; or `sentinel` instead. */
  readonly url?: string;
  /**
   * The master Sentinel names. After a failover both connections follow the promoted replica
   * (ioredis asks the sentinels, and its failover detector drops a demoted master at once); each
   * `ready` enables keyspace notifications again on the server it reached, and the subscriber
   * subscribes again there.
   */
  readonly sentinel?: RedisSentinelTarget;
  /** Fires timers through the atomic claim (up to redisHoldLimits.fireBatchSize at a time); answers how many fired. */
  readonly fire: (timerIds: readonly string[], firedBy: FiredBy) => Promise<number>;
  /** Sandbox now in epoch ms (the poll compares due times with it). */
  readonly nowMs: () => number;
  /** When true the fast path is skipped entirely (failure injection: "Redis down"). */
  readonly simulatedDown?: () => boolean;
  /** 0 disables the sorted-set poll (notifications only). */
  readonly pollIntervalMs?: number;
  readonly pollBatchSize?: number;
  readonly keyPrefix?: string;
  readonly logger?: Logger;
}

export const redisHoldLimits = {
  pollIntervalMs: 100,
  pollBatchSize: 500,
  fireBatchSize: 100,
  fireConcurrency: 3,
  maxQueuedFires: 20_000,
  commandTimeoutMs: 1000,
  /** Holds registered by one MULTI: registrations made while one is in flight wait for the next. */
  registerBatchSize: 500,
  /** Registrations waiting for a batch; past it a hold is left to the PostgreSQL sweeper. */
  maxQueuedRegistrations: 10_000,
} as const;

/** Takes the due members of the sorted set and removes them in one step: whoever gets a hold fires it. */
const claimDueScript = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due`;

/** Where holds live in Redis: a key per hold (its TTL raises the keyspace event) and the sorted set of due times. */
export function redisHoldKeys(keyPrefix = 'tt:'): { readonly holdKeyPrefix: string; readonly zsetKey: string } {
  return { holdKeyPrefix: `${keyPrefix}hold:`, zsetKey: `${keyPrefix}holds` };
}

type ConnectionOptions = Omit<RedisOptions, 'sentinels' | 'name' | 'role'>;

/** Opens connections to the one server, or to the master the sentinels name. */
function redisConnector(options: RedisHoldsOptions): (connection: ConnectionOptions) => Redis {
  const { url, sentinel } = options;
  if (sentinel) {
    if (url) throw new Error('redis holds: give either url or sentinel, not both');
    if (sentinel.sentinels.length === 0) throw new Error('redis holds: sentinel needs at least one sentinel address');
    return (connection) =>
      new Redis({
        ...connection,
        sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
        name: sentinel.masterName,
        role: 'master',
        failoverDetector: true,
        sentinelRetryStrategy: (times: number) => Math.min(100 * times, 2000),
      });
  }
  if (!url) throw new Error('redis holds: url or sentinel is required');
  return (connection) => new Redis(url, connection);
}

export function createRedisHolds(options: RedisHoldsOptions): RedisHolds {
  const { holdKeyPrefix, zsetKey } = redisHoldKeys(options.keyPrefix);
  const pollIntervalMs = options.pollIntervalMs ?? redisHoldLimits.pollIntervalMs;
  const pollBatchSize = Math.min(options.pollBatchSize ?? redisHoldLimits.pollBatchSize, 5000);
  const { logger } = options;
  const connection = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: redisHoldLimits.commandTimeoutMs,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  const connect = redisConnector(options);
  const client = connect(connection);
  const subscriber = connect({ ...connection, commandTimeout: undefined, enableOfflineQueue: true, maxRetriesPerRequest: null });
  const database = options.url ? Number(new URL(options.url).pathname.slice(1) || 0) || 0 : 0;
  const channel = `__keyevent@${database}__:expired`;
  let notifications: RedisStatus['notifications'] = 'unknown';
  let notificationDetail = '';
  let running = false;
  let lastError = '';
  for (const redis of [client, subscriber]) {
    redis.on('error', (error: Error) => {
      lastError = error.message;
    });
  }

  const down = () => options.simulatedDown?.() ?? false;

  const { observed, unanswered } = watchAnswers(() => client.ping());

  async function enableNotifications(): Promise<void> {
    ({ notifications, detail: notificationDetail } = await enableKeyspaceNotifications(client));
    if (notificationDetail) logger?.warn(notificationDetail);
  }

  client.on('ready', () => void enableNotifications());

  const { enqueue, queued } = boundedFireQueue(options.fire, logger);

  // Concurrent commands register their holds together: one MULTI (a key per hold, one ZADD) per
  // batch instead of four commands per hold (group-commit.ts).
  const multiLimits = { maxBatch: redisHoldLimits.registerBatchSize, maxInFlight: 1, maxQueued: redisHoldLimits.maxQueuedRegistrations };
  const done = { ok: true, value: undefined } as const;
  const register = createGroupCommit<{ timerId: string; dueAtMs: number; ttlMs: number }, void>(multiLimits, async (holds) => {
    const multi = client.multi();
    for (const hold of holds) multi.set(`${holdKeyPrefix}${hold.timerId}`, '1', 'PX', hold.ttlMs);
    await observed(multi.zadd(zsetKey, ...holds.flatMap((hold) => [hold.dueAtMs, hold.timerId])).exec());
    return holds.map(() => done);
  });
  // Holds resolved by concurrent commands leave together too: one MULTI per batch.
  const unregister = createGroupCommit<string, void>(multiLimits, async (timerIds) => {
    await observed(
      client
        .multi()
        .del(...timerIds.map((id) => `${holdKeyPrefix}${id}`))
        .zrem(zsetKey, ...timerIds)
        .exec(),
    );
    return timerIds.map(() => done);
  });

  subscriber.on('message', (_channel: string, key: string) => {
    if (!key.startsWith(holdKeyPrefix) || down()) return;
    const timerId = key.slice(holdKeyPrefix.length);
    // Only the path (and the process) that removes the hold from the sorted set fires it.
    client
      .zrem(zsetKey, timerId)
      .then((removed) => {
        if (removed === 1) enqueue([timerId], 'redis_notification');
      })
      .catch((error) => logger?.debug({ err: error, timerId }, 'expiry notification could not claim its hold'));
  });

  async function poll(): Promise<void> {
    if (down() || client.status !== 'ready' || queued() >= redisHoldLimits.maxQueuedFires) return;
    const due = (await observed(client.eval(claimDueScript, 1, zsetKey, String(options.nowMs()), String(pollBatchSize)))) as string[];
    enqueue(due, 'redis_poll');
  }

  const polls = repeatEvery(pollIntervalMs, () => poll().catch((error) => logger?.debug({ err: error }, 'redis hold poll failed')));

  return {
    async register({ timerId, dueAtMs, nowMs }) {
      if (down() || client.status !== 'ready' || unanswered()) return;
      await register({ timerId, dueAtMs, ttlMs: Math.max(1, Math.round(dueAtMs - nowMs)) });
    },
    async remove(timerIds) {
      if (timerIds.length === 0 || down() || client.status !== 'ready' || unanswered()) return;
      await Promise.all(timerIds.map((timerId) => unregister(timerId)));
    },
    size: () => client.zcard(zsetKey),
    status() {
      if (down())
        return {
          status: 'simulated_down',
          detail: 'Redis is marked down by failure injection; the PostgreSQL sweeper fires expiries',
          notifications,
        };
      if (unanswered()) {
        return {
          status: 'down',
          detail: `connected, but commands get no answer within ${redisHoldLimits.commandTimeoutMs} ms; the PostgreSQL sweeper covers`,
          notifications,
        };
      }
      const up = client.status === 'ready' && subscriber.status === 'ready';
      const master = options.sentinel
        ? ` (master ${options.sentinel.masterName} at ${client.stream?.remoteAddress}:${client.stream?.remotePort})`
        : '';
      const detail = up
        ? notificationDetail || `connected${master}; keyspace notifications on ${channel}`
        : `client ${client.status}, subscriber ${subscriber.status}${lastError ? `: ${lastError}` : ''}; reconnecting, the PostgreSQL sweeper covers`;
      return { status: up ? 'up' : 'down', detail, notifications };
    },
    async start() {
      if (running) return;
      running = true;
      await Promise.all([
        client.connect().catch((error: Error) => logger?.warn({ err: error }, 'redis not reachable; retrying in the background')),
        subscriber
          .connect()
          .catch((error: Error) => logger?.warn({ err: error }, 'redis subscriber not reachable; retrying in the background')),
      ]);
      // ioredis resubscribes by itself after a reconnect.
      void subscriber
        .subscribe(channel)
        .catch((error: Error) => logger?.warn({ err: error }, 'subscribe failed; will resubscribe on reconnect'));
      if (pollIntervalMs > 0) polls.start();
    },
    async stop() {
      running = false;
      await polls.stop();
      client.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * A Redis across a network partition stays "ready" (no error, no close): its commands just get no
 * answer within commandTimeout. Until one is answered again it counts as down, and holds skip it
 * (the PostgreSQL sweeper fires them) instead of each command waiting out the timeout. `observed`
 * wraps a command to watch its answer; `unanswered` says whether Redis is known not to answer, and
 * while so pings once a second to find out when it does again.
 */
function watchAnswers(ping: () => Promise<unknown>): { observed<T>(command: Promise<T>): Promise<T>; unanswered(): boolean } {
  let lastAnswerAtMs = 0;
  let lastTimeoutAtMs = 0;
  let lastProbeAtMs = 0;
  async function observed<T>(command: Promise<T>): Promise<T> {
    try {
      const result = await command;
      lastAnswerAtMs = Date.now();
      return result;
    } catch (error) {
      if (error instanceof Error && /timed out/i.test(error.message)) lastTimeoutAtMs = Date.now();
      throw error;
    }
  }
  const unanswered = () => {
    if (lastTimeoutAtMs <= lastAnswerAtMs) return false;
    if (Date.now() - lastProbeAtMs >= redisHoldLimits.commandTimeoutMs) {
      lastProbeAtMs = Date.now();
      void observed(ping()).catch(() => undefined);
    }
    return true;
  };
  return { observed, unanswered };
}

/** Turns on the keyspace `expired` events on the server the client reached, unless they are on; says so, or why it could not. */
async function enableKeyspaceNotifications(client: Redis): Promise<{ notifications: RedisStatus['notifications']; detail: string }> {
  try {
    const current = (await client.config('GET', 'notify-keyspace-events')) as string[];
    const flags = new Set((current[1] ?? '').split(''));
    if (!(flags.has('E') && (flags.has('x') || flags.has('A')))) {
      flags.add('E');
      flags.add('x');
      await client.config('SET', 'notify-keyspace-events', [...flags].join(''));
    }
    return { notifications: 'enabled', detail: '' };
  } catch (error) {
    const detail = `CONFIG SET notify-keyspace-events refused (${error instanceof Error ? error.message : String(error)}); set "notify-keyspace-events Ex" on the server; the sorted-set poll and the sweeper cover meanwhile`;
    return { notifications: 'not_configurable', detail };
  }
}

/**
 * Fires go through one bounded queue, whichever path found them: a burst of expiries cannot take
 * every database connection. Past the bound a hold is left to the PostgreSQL sweeper. Each batch
 * is the longest run of queue heads found by the same path.
 */
function boundedFireQueue(
  fire: RedisHoldsOptions['fire'],
  logger: Logger | undefined,
): { enqueue(timerIds: readonly string[], firedBy: FiredBy): void; queued(): number } {
  const queue: Array<{ timerId: string; firedBy: FiredBy }> = [];
  let firing = 0;
  const drainQueue = () => {
    while (firing < redisHoldLimits.fireConcurrency && queue.length > 0) {
      const firedBy = queue[0]!.firedBy;
      let count = 0;
      while (count < queue.length && count < redisHoldLimits.fireBatchSize && queue[count]!.firedBy === firedBy) count += 1;
      const timerIds = queue.splice(0, count).map((entry) => entry.timerId);
      firing += 1;
      void fire(timerIds, firedBy)
        .catch((error) => logger?.debug({ err: error, timers: timerIds.length }, 'hold expiry could not fire its timers; the sweeper will'))
        .finally(() => {
          firing -= 1;
          drainQueue();
        });
    }
  };
  return {
    enqueue(timerIds, firedBy) {
      for (const timerId of timerIds) {
        if (queue.length >= redisHoldLimits.maxQueuedFires) break;
        queue.push({ timerId, firedBy });
      }
      drainQueue();
    },
    queued: () => queue.length,
  };
}
