/**
 * The real TrackTrove server for the API and WebSocket benchmarks, run in a child process (see
 * api-server.ts) so that the load generator and the server do not share one event loop.
 *
 * Environment: DATABASE_URL, REDIS_URL (optional), BENCH_RATE_LIMIT_PER_MINUTE (the benchmark
 * lifts the per-client rate limit, 6,000/min by default, which a 32-connection run would hit; the
 * per-address bounds on stream clients are lifted as well), BENCH_SERVER_LOG_LEVEL (default silent;
 * e.g. info to measure what logging costs, written synchronously to BENCH_SERVER_LOG_FILE, by
 * default /dev/null, as pino writes to stdout by default).
 * Prints one JSON line `{"url": ...}` on stdout once listening; SIGTERM closes it cleanly.
 */
import { devNull } from 'node:os';
import { pino } from 'pino';
import { loadConfig, startServer, trackTroveModule, type Config } from '@tracktrove/api';

const logLevel = (process.env.BENCH_SERVER_LOG_LEVEL || 'silent') as Config['logLevel'];
const logger = pino({ level: logLevel }, pino.destination({ dest: process.env.BENCH_SERVER_LOG_FILE || devNull, sync: true }));
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const config = loadConfig(
  {},
  {
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    redisUrl: process.env.REDIS_URL || undefined,
    logLevel,
    tokens: { admin: 'bench-admin-token-0123456789', operator: undefined, viewer: undefined },
    rateLimitPerMinute: Number(process.env.BENCH_RATE_LIMIT_PER_MINUTE ?? 100_000_000),
    // Every benchmark client comes from 127.0.0.1: lift the per-address bounds on stream clients too.
    maxStreamClientsPerAddress: 100_000,
    streamUpgradesPerMinute: 100_000_000,
  },
);
const server = await startServer({ config, modules: [trackTroveModule()], logger });
process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);

let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  void server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
// The parent went away: stop too.
process.stdin.on('end', close);
process.stdin.resume();
