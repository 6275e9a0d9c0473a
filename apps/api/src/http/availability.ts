import type { Logger } from 'pino';

/** Error codes and messages by which pg and PGlite say the server cannot be reached. */
const connectivityCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);
const connectivityMessages =
  /connection terminated|timeout exceeded when trying to connect|connection refused|Connection terminated unexpectedly|the database system is (starting up|shutting down)|terminating connection due to administrator command|Client has encountered a connection error|sorry, too many clients/i;

export function isConnectivityError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && connectivityCodes.has(code)) return true;
  if (connectivityMessages.test(error.message)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isConnectivityError(cause);
}

export const availabilityLimits = {
  /** How often a process checks that PostgreSQL still answers. */
  heartbeatMs: 1_000,
  /** How long a check waits for its answer before the database counts as unreachable. */
  pingTimeoutMs: 2_000,
} as const;

export interface AvailabilityOptions {
  /** While unavailable: how often the probe checks whether the database is back. */
  readonly probeIntervalMs?: number;
  /**
   * While available: how often the probe checks that the database still answers (0: never). A
   * server that stops answering (a network partition) raises no error on its own: queries just wait.
   */
  readonly heartbeatMs?: number;
  /** Called when the database stops answering or becomes unreachable (e.g. to drop connections). */
  readonly onUnavailable?: () => void;
  readonly logger?: Logger;
}

/**
 * Tracks whether the database answers. After a connectivity error, or a heartbeat probe that gets
 * no answer, requests fail fast with 503 while a probe checks every probeIntervalMs; service
 * resumes by itself when the probe succeeds.
 */
export interface Availability {
  readonly available: boolean;
  readonly lastError: string | null;
  reportFailure(error: unknown): void;
  stop(): void;
}

export function trackAvailability(probe: () => Promise<void>, options: AvailabilityOptions = {}): Availability {
  let available = true;
  let lastError: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const probeIntervalMs = options.probeIntervalMs ?? 1_000;
  const heartbeatMs = options.heartbeatMs ?? 0;

  const reportFailure = (error: unknown) => {
    if (!isConnectivityError(error)) return;
    if (available) {
      options.logger?.error({ err: error }, 'database unreachable; answering 503 until it returns');
      available = false;
      options.onUnavailable?.();
    }
    lastError = error instanceof Error ? error.message : String(error);
    scheduleProbe();
  };

  let beating = false;
  const beat =
    heartbeatMs > 0
      ? setInterval(() => {
          if (!available || beating || stopped) return;
          beating = true;
          probe()
            .catch(reportFailure)
            .finally(() => {
              beating = false;
            });
        }, heartbeatMs)
      : undefined;
  beat?.unref();

  const scheduleProbe = () => {
    if (timer || stopped) return;
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        await probe();
        available = true;
        lastError = null;
        options.logger?.info('database reachable again');
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        scheduleProbe();
      }
    }, probeIntervalMs);
    timer.unref();
  };

  return {
    get available() {
      return available;
    },
    get lastError() {
      return lastError;
    },
    reportFailure,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (beat) clearInterval(beat);
    },
  };
}
