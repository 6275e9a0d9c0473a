/**
 * Escrow hold expiry delay with 100,000 active holds: our Redis fast path against plain Redis
 * keyspace notifications on the same Redis server, in the same run (one after the other).
 *
 * - Ours: createRedisHolds from @tracktrove/timers (what the application uses: a key
 *   `<prefix>hold:<id>` with PX TTL plus a member of the sorted set `<prefix>holds` scored by due
 *   time; the keyspace `expired` notification fires the hold, and a ZRANGEBYSCORE poll every
 *   100 ms fires whatever is due). Its `fire` callback is where the application claims the timer in
 *   PostgreSQL; here it records the time of the first call per hold, so the figure is the delay
 *   until our code reports the hold as expired, not the cost of the claim that follows.
 * - Reference: the same holds as plain `SET key 1 PX ttl`, one SUBSCRIBE client on
 *   __keyevent@<db>__:expired; the delay is the notification's arrival time minus the due time.
 * - All holds are registered first (due times spread evenly over BENCH_ESCROW_MIN_S..MAX_S after
 *   the start of registration), so all of them are active when the first one is due. Each phase
 *   ends when every hold has fired or BENCH_ESCROW_GRACE_S after the last due time; a hold not
 *   reported by then counts as missed.
 *
 * - Optional (BENCH_ESCROW_CLAIM=1, one more phase): ours end to end. The holds are tt_timers rows
 *   (bulk-inserted) registered through createRedisHolds, whose fire is the real
 *   createTimerService().fireTimer (the claim transaction, with a no-op handler), with the
 *   PostgreSQL sweeper running as in the product. Delay = fired_at - due_at from the table
 *   (fired_at is now() of the claim transaction), by path (redis_poll, redis_notification, sweeper).
 *
 * Knobs: BENCH_ESCROW_HOLDS (100000), BENCH_ESCROW_MIN_S (15), BENCH_ESCROW_MAX_S (45),
 * BENCH_ESCROW_GRACE_S (15), BENCH_ESCROW_CLAIM (0).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { sql } from 'kysely';
import { createPostgresDatabase, eventStoreMigrations, migrateToLatest } from '@tracktrove/event-store';
import { createRedisHolds, createSandboxClock, createTimerService, redisHoldLimits, timerLimits, timerMigrations } from '@tracktrove/timers';
import type { Benchmark, BenchContext, BenchPostgres, Figure, TargetResult } from './lib/types.ts';

const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

const config = {
  holds: Math.round(knob('BENCH_ESCROW_HOLDS', 100_000)),
  minDueS: knob('BENCH_ESCROW_MIN_S', 15),
  maxDueS: knob('BENCH_ESCROW_MAX_S', 45),
  graceS: knob('BENCH_ESCROW_GRACE_S', 15),
  /** Also run ours end to end: each fire claims a tt_timers row in PostgreSQL (adds one phase, ~1 min). */
  withClaim: process.env.BENCH_ESCROW_CLAIM === '1',
  registerConcurrency: 1000,
  p99TargetMs: 1000,
  pollIntervalMs: redisHoldLimits.pollIntervalMs,
  pollBatchSize: redisHoldLimits.pollBatchSize,
};

const nowMs = () => performance.timeOrigin + performance.now();

interface PhaseResult {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly fired: number;
  readonly missed: number;
  readonly registerMs: number;
  readonly lastFiredAfterLastDueMs: number;
  readonly extra: Record<string, unknown>;
}

function dueTimes(start: number): Float64Array {
  const due = new Float64Array(config.holds);
  const spreadMs = (config.maxDueS - config.minDueS) * 1000;
  for (let index = 0; index < config.holds; index += 1) due[index] = start + config.minDueS * 1000 + (spreadMs * index) / Math.max(1, config.holds - 1);
  return due;
}

/** Waits until every hold has fired or the grace period after the last due time is over. */
async function waitForAll(firedAt: Float64Array, due: Float64Array, log: (message: string) => void, label: string): Promise<void> {
  const lastDue = due[due.length - 1]!;
  let nextReport = nowMs() + 10_000;
  for (;;) {
    let fired = 0;
    for (let index = 0; index < firedAt.length; index += 1) if (firedAt[index]! > 0) fired += 1;
    if (fired === firedAt.length || nowMs() > lastDue + config.graceS * 1000) return;
    if (nowMs() > nextReport) {
      log(`${label}: ${fired.toLocaleString('en-US')} of ${firedAt.length.toLocaleString('en-US')} fired`);
      nextReport += 10_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function summarize(firedAt: Float64Array, due: Float64Array, registerMs: number, extra: Record<string, unknown>): PhaseResult {
  const delays: number[] = [];
  let missed = 0;
  let lastFired = 0;
  let early = 0;
  for (let index = 0; index < firedAt.length; index += 1) {
    if (firedAt[index]! <= 0) {
      missed += 1;
      continue;
    }
    const delay = firedAt[index]! - due[index]!;
    if (delay < 0) early += 1;
    delays.push(delay);
    lastFired = Math.max(lastFired, firedAt[index]!);
  }
  const sorted = Float64Array.from(delays).sort();
  const at = (q: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);
  // A missed hold has a delay of at least the grace period: the quantiles count it as +infinity.
  const withMissed = (q: number) => (Math.ceil(q * firedAt.length) > sorted.length ? Number.POSITIVE_INFINITY : at(q * (firedAt.length / Math.max(1, sorted.length))));
  return {
    p50: withMissed(0.5),
    p99: withMissed(0.99),
    max: missed > 0 ? Number.POSITIVE_INFINITY : sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    fired: sorted.length,
    missed,
    registerMs,
    lastFiredAfterLastDueMs: lastFired - due[due.length - 1]!,
    extra: { ...extra, firedBeforeDue: early, minDelayMs: sorted.length ? sorted[0] : null, maxDelayOfFiredMs: sorted.length ? sorted[sorted.length - 1] : null },
  };
}

async function registerAll(count: number, register: (index: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < count; from += config.registerConcurrency) {
    const to = Math.min(count, from + config.registerConcurrency);
    const batch: Promise<unknown>[] = [];
    for (let index = from; index < to; index += 1) batch.push(register(index));
    await Promise.all(batch);
  }
}

async function measureOurs(context: BenchContext, url: string, prefix: string): Promise<PhaseResult> {
  const firedAt = new Float64Array(config.holds);
  const firedBy: Record<string, number> = {};
  let calls = 0;
  const holds = createRedisHolds({
    url,
    keyPrefix: prefix,
    nowMs: () => Date.now(),
    fire: async (timerId, by) => {
      calls += 1;
      const at = nowMs();
      const index = Number(timerId.slice(1));
      if (firedAt[index]! > 0) return false;
      firedAt[index] = at;
      firedBy[by] = (firedBy[by] ?? 0) + 1;
      return true;
    },
  });
  await holds.start();
  try {
    const start = nowMs();
    const due = dueTimes(start);
    context.log(`ours: registering ${config.holds.toLocaleString('en-US')} holds through createRedisHolds().register, due ${config.minDueS}-${config.maxDueS} s from now`);
    await registerAll(config.holds, (index) => holds.register({ timerId: `h${index}`, dueAtMs: due[index]!, nowMs: Date.now() }));
    const registerMs = nowMs() - start;
    const active = await holds.size();
    context.log(`ours: registered in ${Math.round(registerMs)} ms; ${active.toLocaleString('en-US')} in the sorted set; waiting for expiries`);
    if (registerMs > config.minDueS * 1000) throw new Error(`registration took ${Math.round(registerMs)} ms, longer than the earliest due time`);
    await waitForAll(firedAt, due, context.log, 'ours');
    const status = holds.status();
    return summarize(firedAt, due, registerMs, { activeAfterRegistration: active, firedBy, fireCalls: calls, redisStatus: status });
  } finally {
    await holds.stop();
  }
}

async function measurePlain(context: BenchContext, url: string, prefix: string): Promise<PhaseResult> {
  const database = Number(new URL(url).pathname.slice(1) || 0) || 0;
  const channel = `__keyevent@${database}__:expired`;
  const client = new Redis(url);
  const subscriber = new Redis(url);
  const keyPrefix = `${prefix}plain:`;
  const firedAt = new Float64Array(config.holds);
  let notifications = 0;
  try {
    await client.config('SET', 'notify-keyspace-events', 'Ex');
    subscriber.on('message', (_channel: string, key: string) => {
      const at = nowMs();
      if (!key.startsWith(keyPrefix)) return;
      notifications += 1;
      const index = Number(key.slice(keyPrefix.length));
      if (firedAt[index]! <= 0) firedAt[index] = at;
    });
    await subscriber.subscribe(channel);
    const start = nowMs();
    const due = dueTimes(start);
    context.log(`keyspace notifications: SET ${config.holds.toLocaleString('en-US')} keys PX ttl, due ${config.minDueS}-${config.maxDueS} s from now`);
    await registerAll(config.holds, (index) => client.set(`${keyPrefix}${index}`, '1', 'PX', Math.max(1, Math.round(due[index]! - nowMs()))));
    const registerMs = nowMs() - start;
    context.log(`keyspace notifications: set in ${Math.round(registerMs)} ms; waiting for expiries`);
    await waitForAll(firedAt, due, context.log, 'keyspace notifications');
    return summarize(firedAt, due, registerMs, { notifications });
  } finally {
    subscriber.disconnect();
    client.disconnect();
  }
}

/** Ours end to end: Redis detection + the PostgreSQL claim of the timer service, sweeper running. */
async function measureOursWithClaim(context: BenchContext, server: BenchPostgres, url: string, prefix: string): Promise<PhaseResult> {
  await server.checkpoint();
  const benchDatabase = await server.createDatabase('escrow_claim');
  const database = createPostgresDatabase({ connectionString: benchDatabase.url, poolSize: 20 });
  const monitor = new pg.Client({ connectionString: benchDatabase.url });
  await monitor.connect();
  try {
    await migrateToLatest(database.db, { ...eventStoreMigrations, ...timerMigrations });
    const clock = createSandboxClock(database.db);
    await clock.now();
    const timers = createTimerService({ db: database.db, clock, handlers: { bench_hold: async () => undefined } });
    // A fire whose clock read cannot get a pool connection rejects, and TimerService.fireTimer's
    // `void promise.finally(...)` leaves that rejection unhandled, which would end this process.
    // Counted here (and reported) so that the phase finishes; the product has the same exposure.
    const unhandled: string[] = [];
    const onUnhandled = (reason: unknown) => {
      unhandled.push(reason instanceof Error ? reason.message : String(reason));
    };
    process.on('unhandledRejection', onUnhandled);
    const holds = createRedisHolds({ url, keyPrefix: `${prefix}claim:`, nowMs: () => clock.nowCached().getTime(), fire: (timerId, by) => timers.fireTimer(timerId, by) });
    const start = nowMs();
    const due = dueTimes(start);
    context.log(`ours + claim: inserting ${config.holds.toLocaleString('en-US')} tt_timers rows and registering them through createRedisHolds().register`);
    const rows = await sql<{ id: string; i: number }>`
      insert into tt_timers (id, kind, ref, due_at)
      select gen_random_uuid(), 'bench_hold', 'h' || i, to_timestamp((${start + config.minDueS * 1000}::float8 + ${(config.maxDueS - config.minDueS) * 1000}::float8 * i / greatest(1, ${config.holds} - 1)) / 1000.0)
      from generate_series(0, ${config.holds} - 1) as i
      returning id, substr(ref, 2)::int as i`.execute(database.db);
    await holds.start();
    timers.start();
    try {
      const ids = rows.rows;
      await registerAll(ids.length, (index) => holds.register({ timerId: ids[index]!.id, dueAtMs: due[ids[index]!.i]!, nowMs: clock.nowCached().getTime() }));
      const registerMs = nowMs() - start;
      context.log(`ours + claim: ready in ${Math.round(registerMs)} ms; waiting for expiries`);
      const lastDue = due[due.length - 1]!;
      let nextReport = nowMs() + 10_000;
      for (;;) {
        // Our own connection: the store's pool is what the fires queue on.
        const pending = Number((await monitor.query<{ count: string }>(`select count(*) as count from tt_timers where state = 'pending'`)).rows[0]?.count ?? 0);
        if (pending === 0 || nowMs() > lastDue + config.graceS * 1000) break;
        if (nowMs() > nextReport) {
          context.log(`ours + claim: ${(config.holds - pending).toLocaleString('en-US')} of ${config.holds.toLocaleString('en-US')} fired`);
          nextReport += 10_000;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await holds.stop();
      await timers.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.off('unhandledRejection', onUnhandled);
    }
    // The delays from the table: fired_at - due_at, in ms.
    const delays = await monitor.query<{ state: string; fired_by: string | null; delay_ms: number }>(
      'select state, fired_by, extract(epoch from (fired_at - due_at)) * 1000 as delay_ms from tt_timers');
    const firedAt = new Float64Array(config.holds);
    const dueZero = new Float64Array(config.holds);
    const byPath: Record<string, number> = {};
    delays.rows.forEach((row, index) => {
      if (row.state !== 'fired') return;
      firedAt[index] = Number(row.delay_ms) + 1e9; // summarize() takes firedAt - due: shift both by 1e9 ms
      dueZero[index] = 1e9;
      byPath[row.fired_by ?? 'unknown'] = (byPath[row.fired_by ?? 'unknown'] ?? 0) + 1;
    });
    const messages: Record<string, number> = {};
    for (const message of unhandled) messages[message] = (messages[message] ?? 0) + 1;
    if (unhandled.length > 0) context.log(`ours + claim: ${unhandled.length} fire calls rejected unhandled (${Object.keys(messages).join('; ')})`);
    const summary = summarize(firedAt, dueZero, 0, { firedBy: byPath, fireConcurrency: redisHoldLimits.fireConcurrency, sweepIntervalMs: timerLimits.sweepIntervalMs, unhandledFireRejections: unhandled.length, unhandledMessages: messages });
    return { ...summary, lastFiredAfterLastDueMs: Number.NaN };
  } finally {
    await monitor.end();
    await database.close();
    await benchDatabase.drop();
  }
}

/** Lets Redis reap the previous phase's expired keys (SCAN expires what it visits) before the next. */
async function reap(url: string, pattern: string): Promise<number> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    let seen = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
      cursor = next;
      seen += keys.length;
    } while (cursor !== '0');
    return seen;
  } finally {
    client.disconnect();
  }
}

export const benchmark: Benchmark = {
  name: 'escrow-expiry',
  description: 'escrow hold expiry delay with 100,000 active holds: Redis keys + sorted-set poll (ours) vs plain keyspace notifications, same Redis',
  async run(context) {
    const url = await context.redis();
    const prefix = `bench:${randomBytes(4).toString('hex')}:`;
    const info = new Redis(url);
    const redisVersion = ((await info.info('server')).match(/redis_version:(\S+)/) ?? [])[1] ?? 'unknown';
    const hz = ((await info.config('GET', 'hz')) as string[])[1] ?? 'unknown';
    info.disconnect();

    const ours = await measureOurs(context, url, prefix);
    const leftover = await reap(url, `${prefix}hold:*`);
    const claimed = config.withClaim ? await measureOursWithClaim(context, await context.postgres(), url, prefix) : null;
    if (claimed) await reap(url, `${prefix}claim:hold:*`);
    const plain = await measurePlain(context, url, prefix);
    await reap(url, `${prefix}plain:*`);

    const workload = `${config.holds.toLocaleString('en-US')} holds due over ${config.minDueS}-${config.maxDueS} s`;
    const figure = (id: string, system: string, reference: boolean, result: PhaseResult): Figure => ({
      id,
      workload,
      system,
      reference,
      metrics: { 'p50 ms': result.p50, 'p99 ms': result.p99, 'max ms': result.max, fired: result.fired, missed: result.missed, 'fire errors': Number(result.extra.unhandledFireRejections ?? 0) },
      details: { registerMs: result.registerMs, lastFiredAfterLastDueMs: result.lastFiredAfterLastDueMs, ...result.extra },
    });
    const figures = [
      figure('expiry.ours', 'TrackTrove Redis holds (keys + sorted-set poll)', false, ours),
      ...(claimed ? [figure('expiry.ours-claim', 'TrackTrove Redis holds + PostgreSQL claim (end to end)', false, claimed)] : []),
      figure('expiry.keyspace', 'plain keyspace notifications', true, plain),
    ];
    const targets: TargetResult[] = [
      { id: 'expiry-p99', description: `ours: expiry delay p99 < ${config.p99TargetMs} ms with ${config.holds.toLocaleString('en-US')} active holds`, metric: 'p99 ms', actual: ours.p99, required: config.p99TargetMs, basis: `${config.p99TargetMs} ms (lower is better)`, met: ours.p99 < config.p99TargetMs },
      { id: 'expiry-none-missed', description: 'ours: every hold reported', metric: 'missed', actual: ours.missed, required: 0, basis: 'exactly 0', met: ours.missed === 0 },
    ];
    return {
      figures,
      targets,
      config: { ...config, redisVersion, redisHz: hz, leftoverKeysScannedBetweenPhases: leftover },
      notes: [
        'Delay = time our code (or the subscriber) saw the hold expire - its due time, both on this machine\'s clock, in the benchmark process.',
        config.withClaim
          ? 'The end-to-end row: each fire is TimerService.fireTimer (one claim transaction per hold, 20-connection pool, sweeper on); "fire errors" are fire calls that rejected unhandled (pool acquire timeouts).'
          : 'Ours measures the Redis detection path only: in the product each fire then claims the timer in PostgreSQL (a transaction per hold); BENCH_ESCROW_CLAIM=1 adds that end-to-end phase.',
        `A hold not reported within ${config.graceS} s after the last due time counts as missed; quantiles treat missed holds as infinitely late.`,
      ],
    };
  },
};
