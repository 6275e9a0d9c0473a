import { z } from 'zod';
import { parseAllowedHosts } from '@tracktrove/webhooks';

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);
const optionalSecret = z.string().min(1).optional();

const EnvironmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  SEED_COMPAT_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  /** Loopback by default: a sandbox whose commands are open to anyone who can reach it stays on this machine unless asked. */
  HOST: z.string().min(1).default('localhost'),
  DATABASE_URL: z.string().url().optional(),
  /** Streaming replicas of DATABASE_URL for read-model queries, comma-separated. */
  DATABASE_READ_URLS: commaList.pipe(z.array(z.string().url('each as a postgres:// URL')).max(8)).optional(),
  DATA_DIR: z.string().default('.data'),
  REDIS_URL: z.string().url().optional(),
  /** host:port of each sentinel, comma-separated; instead of REDIS_URL. */
  REDIS_SENTINELS: commaList
    .pipe(
      z
        .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each sentinel as host:port'))
        .min(1)
        .max(16),
    )
    .optional(),
  REDIS_MASTER_NAME: z
    .string()
    .regex(/^[\w.-]{1,64}$/)
    .default('tracktrove'),
  WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Hosts besides loopback that webhook endpoints may name (docs/webhooks.md). */
  WEBHOOK_ALLOWED_HOSTS: z.string().max(4000).default(''),
  /** One endpoint delivery attempt's timeout, 100 ms to 30 s. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  CORS_ORIGINS: commaList.default(['http://localhost:5173']),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRACKTROVE_ADMIN_TOKEN: optionalSecret,
  TRACKTROVE_OPERATOR_TOKEN: optionalSecret,
  TRACKTROVE_VIEWER_TOKEN: optionalSecret,
  ESCROW_TTL_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(7 * 24 * 3_600_000)
    .default(30_000),
  MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  RETRY_BASE_DELAY_MS: z.coerce.number().int().min(100).max(3_600_000).default(2_000),
  RETRY_MAX_DELAY_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  SETTLEMENT_CUTOFF_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(0),
  AMOUNT_MIN_MINOR: z.coerce.number().int().min(1).default(100),
  AMOUNT_MAX_MINOR: z.coerce.number().int().min(1).default(50_000),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1_024)
    .max(10 * 1024 * 1024)
    .default(256 * 1024),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(6_000),
  WEB_DIST_DIR: z.string().optional(),
  STREAM_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .max(256 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  STREAM_HEARTBEAT_MS: z.coerce.number().int().min(100).max(300_000).default(15_000),
  MAX_STREAM_CLIENTS: z.coerce.number().int().min(1).max(100_000).default(2_000),
  DOCS_AND_METRICS_ROLE: z.enum(['viewer', 'operator', 'admin']).optional(),
  MAX_STREAM_CLIENTS_PER_ADDRESS: z.coerce.number().int().min(1).max(100_000).default(100),
  STREAM_UPGRADES_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  IDEMPOTENCY_MAX_KEYS: z.coerce.number().int().min(1).max(100_000_000).default(1_000_000),
  IDEMPOTENCY_EXPIRY_INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
});

export type Config = Readonly<{
  port: number;
  /** Where the seed-compatible API listens (docs/seed-compatibility.md); undefined: not started. */
  seedCompatPort: number | undefined;
  host: string;
  databaseUrl: string | undefined;
  /** DATABASE_READ_URLS: streaming replicas that serve read-model queries (empty: the primary serves them). */
  databaseReadUrls: readonly string[];
  dataDir: string;
  redisUrl: string | undefined;
  /** REDIS_SENTINELS and REDIS_MASTER_NAME: Redis behind Sentinel. */
  redisSentinel: { sentinels: readonly { host: string; port: number }[]; masterName: string } | undefined;
  /** Unset: a random secret made for the database and kept in it (loadOrCreateWebhookSecret). */
  webhookSecret: string | undefined;
  /** WEBHOOK_ALLOWED_HOSTS and WEBHOOK_TIMEOUT_MS: where endpoint deliveries may go, and how long an attempt may take. */
  webhookEndpoints: { allowedHosts: readonly string[]; timeoutMs: number };
  corsOrigins: readonly string[];
  logLevel: z.infer<typeof EnvironmentSchema>['LOG_LEVEL'];
  tokens: { admin: string | undefined; operator: string | undefined; viewer: string | undefined };
  escrowTtlMs: number;
  maxRetries: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  settlementCutoffHourUtc: number;
  amountLimits: { minMinor: number; maxMinor: number };
  bodyLimitBytes: number;
  rateLimitPerMinute: number;
  webDistDir: string | undefined;
  /** A stream client with more than this waiting in its socket is closed with 4008. */
  streamMaxBufferedBytes: number;
  streamHeartbeatMs: number;
  /** WebSocket clients of one process, both feeds together; more are refused with 503. */
  maxStreamClients: number;
  /** Unset: /metrics, /docs and /docs/json are open; set: they need a bearer token of this role (or higher). */
  docsAndMetricsRole: 'viewer' | 'operator' | 'admin' | undefined;
  /** Of maxStreamClients, how many one client address may hold; more are refused with 429. */
  maxStreamClientsPerAddress: number;
  /** WebSocket upgrades one client address may ask for, per stream route and minute. */
  streamUpgradesPerMinute: number;
  /** The idempotency store: keys beyond maxKeys go oldest first, checked (with the 24 h retention) every expiryIntervalMs. */
  idempotency: { maxKeys: number; expiryIntervalMs: number };
}>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  // An empty variable means unset (REDIS_URL= in a shell or a compose file).
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = EnvironmentSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const env = parsed.data;
  if (env.DATABASE_READ_URLS?.length && !env.DATABASE_URL)
    throw new ConfigError(['DATABASE_READ_URLS: replicas need their primary in DATABASE_URL']);
  if (env.REDIS_URL && env.REDIS_SENTINELS) throw new ConfigError(['REDIS_SENTINELS: set either REDIS_URL or REDIS_SENTINELS, not both']);
  if (env.SEED_COMPAT_PORT !== undefined && env.SEED_COMPAT_PORT !== 0 && env.SEED_COMPAT_PORT === env.PORT) {
    throw new ConfigError([
      `SEED_COMPAT_PORT: must differ from PORT (${env.PORT}); the seed's frontend calls port 8080, so start with PORT=8081 SEED_COMPAT_PORT=8080`,
    ]);
  }
  return {
    port: env.PORT,
    seedCompatPort: env.SEED_COMPAT_PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    databaseReadUrls: env.DATABASE_READ_URLS ?? [],
    dataDir: env.DATA_DIR,
    redisUrl: env.REDIS_URL,
    redisSentinel: env.REDIS_SENTINELS
      ? {
          sentinels: env.REDIS_SENTINELS.map((address) => {
            const colon = address.lastIndexOf(':');
            return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
          }),
          masterName: env.REDIS_MASTER_NAME,
        }
      : undefined,
    webhookSecret: env.WEBHOOK_SECRET,
    webhookEndpoints: { allowedHosts: parseAllowedHosts(env.WEBHOOK_ALLOWED_HOSTS), timeoutMs: env.WEBHOOK_TIMEOUT_MS },
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL,
    tokens: { admin: env.TRACKTROVE_ADMIN_TOKEN, operator: env.TRACKTROVE_OPERATOR_TOKEN, viewer: env.TRACKTROVE_VIEWER_TOKEN },
    escrowTtlMs: env.ESCROW_TTL_MS,
    maxRetries: env.MAX_RETRIES,
    retryBaseDelayMs: env.RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: env.RETRY_MAX_DELAY_MS,
    settlementCutoffHourUtc: env.SETTLEMENT_CUTOFF_HOUR_UTC,
    amountLimits: { minMinor: env.AMOUNT_MIN_MINOR, maxMinor: env.AMOUNT_MAX_MINOR },
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    webDistDir: env.WEB_DIST_DIR,
    streamMaxBufferedBytes: env.STREAM_MAX_BUFFERED_BYTES,
    streamHeartbeatMs: env.STREAM_HEARTBEAT_MS,
    maxStreamClients: env.MAX_STREAM_CLIENTS,
    docsAndMetricsRole: env.DOCS_AND_METRICS_ROLE,
    maxStreamClientsPerAddress: env.MAX_STREAM_CLIENTS_PER_ADDRESS,
    streamUpgradesPerMinute: env.STREAM_UPGRADES_PER_MINUTE,
    idempotency: { maxKeys: env.IDEMPOTENCY_MAX_KEYS, expiryIntervalMs: env.IDEMPOTENCY_EXPIRY_INTERVAL_MS },
    ...overrides,
  };
}
