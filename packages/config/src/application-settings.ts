import type { Config } from './config.ts';

/** What the application facade takes from the configuration: the same for the server and the CLI. */
export interface ApplicationSettings {
  readonly redisUrl: string | undefined;
  readonly redisSentinel: Config['redisSentinel'];
  readonly idempotency: Config['idempotency'];
  /** Where webhook endpoints may point, and how long one attempt may take. */
  readonly endpoints: Config['webhookEndpoints'];
  readonly defaults: {
    readonly escrowTtlMs: number;
    readonly maxRetries: number;
    readonly retryBaseDelayMs: number;
    readonly retryMaxDelayMs: number;
    readonly amountLimits: Config['amountLimits'];
    readonly settlementCutoffHourUtc: number;
  };
}

export function applicationSettings(config: Config): ApplicationSettings {
  return {
    redisUrl: config.redisUrl,
    redisSentinel: config.redisSentinel,
    idempotency: config.idempotency,
    endpoints: config.webhookEndpoints,
    defaults: {
      escrowTtlMs: config.escrowTtlMs,
      maxRetries: config.maxRetries,
      retryBaseDelayMs: config.retryBaseDelayMs,
      retryMaxDelayMs: config.retryMaxDelayMs,
      amountLimits: config.amountLimits,
      settlementCutoffHourUtc: config.settlementCutoffHourUtc,
    },
  };
}
