import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { trackTroveDb, type ReadSource } from '@tracktrove/application';
import {
  comparePositions,
  createPostgresDatabase,
  type EventStoreTables,
  type LogPosition,
  type StoreDatabase,
} from '@tracktrove/event-store';

export const readReplicaLimits = {
  /** How often each replica's state (checkpoints, replay) is read in the background. */
  pollIntervalMs: 250,
  /** A replica whose state could not be read for this long counts as down. */
  staleAfterMs: 2_000,
  statementTimeoutMs: 10_000,
  connectTimeoutMs: 2_000,
  poolSize: 10,
} as const;

/** What a replica has applied, as last read from it. */
export interface ReplicaState {
  readonly name: string;
  /** The replica's checkpoint rows (read models' positions), by checkpoint name. */
  readonly checkpoints: ReadonlyMap<string, LogPosition>;
  readonly inRecovery: boolean;
  readonly replayLsn: string | null;
  /** Since the replica last replayed a transaction (grows while the primary is idle). */
  readonly replayDelayMs: number | null;
  readonly readAtMs: number;
}

/** One streaming replica of the primary, for queries only. */
export interface ReadReplica {
  readonly name: string;
  readonly db: ReadSource;
  /** The last state read, or null when the replica is down (unreachable, or not read for staleAfterMs). */
  state(): ReplicaState | null;
  lastError(): string | null;
  /** Reads the state now (one read in flight at a time, shared by every caller). */
  refresh(): Promise<ReplicaState | null>;
  /** A failed query: down until the next successful read. */
  reportFailure(error: unknown): void;
  /** Whether the replica has applied every named checkpoint up to `position`. */
  hasApplied(checkpointNames: readonly string[], position: LogPosition): boolean;
}

export interface ReadReplicas {
  readonly replicas: readonly ReadReplica[];
  stop(): Promise<void>;
}

interface StateRow {
  in_recovery: boolean;
  replay_lsn: string | null;
  replay_delay_ms: number | null;
  checkpoints: Array<{ name: string; tx_id: string; seq: string }>;
}

function openReplica(name: string, url: string, logger: Logger): { replica: ReadReplica; database: StoreDatabase; stop(): void } {
  const database = createPostgresDatabase({
    connectionString: url,
    poolSize: readReplicaLimits.poolSize,
    connectionTimeoutMs: readReplicaLimits.connectTimeoutMs,
    statementTimeoutMs: readReplicaLimits.statementTimeoutMs,
    logger,
  });
  let current: ReplicaState | null = null;
  let error: string | null = null;
  let inFlight: Promise<ReplicaState | null> | null = null;

  const read = async (): Promise<ReplicaState | null> => {
    try {
      const { rows } = await sql<StateRow>`
        select pg_is_in_recovery() as in_recovery,
               pg_last_wal_replay_lsn()::text as replay_lsn,
               (extract(epoch from now() - pg_last_xact_replay_timestamp()) * 1000)::float8 as replay_delay_ms,
               coalesce((select json_agg(json_build_object('name', name, 'tx_id', tx_id::text, 'seq', seq::text)) from tt_checkpoints), '[]'::json) as checkpoints`.execute(
        database.db,
      );
      const row = rows[0]!;
      current = {
        name,
        checkpoints: new Map(
          row.checkpoints.map((checkpoint) => [checkpoint.name, { txId: BigInt(checkpoint.tx_id), seq: BigInt(checkpoint.seq) }]),
        ),
        inRecovery: row.in_recovery,
        replayLsn: row.replay_lsn,
        replayDelayMs: row.replay_delay_ms === null ? null : Math.max(0, Math.round(row.replay_delay_ms)),
        readAtMs: Date.now(),
      };
      error = null;
    } catch (failure) {
      current = null;
      error = failure instanceof Error ? failure.message : String(failure);
    }
    return current;
  };

  const replica: ReadReplica = {
    name,
    db: trackTroveDb(database),
    state() {
      if (current && Date.now() - current.readAtMs > readReplicaLimits.staleAfterMs) return null;
      return current;
    },
    lastError: () => error,
    refresh() {
      inFlight ??= read().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    reportFailure(failure) {
      current = null;
      error = failure instanceof Error ? failure.message : String(failure);
    },
    hasApplied(checkpointNames, position) {
      const state = replica.state();
      if (!state) return false;
      return checkpointNames.every((checkpointName) => {
        const applied = state.checkpoints.get(checkpointName);
        return applied !== undefined && comparePositions(applied, position) >= 0;
      });
    },
  };
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      await replica.refresh();
      await new Promise((resolve) => setTimeout(resolve, readReplicaLimits.pollIntervalMs).unref());
    }
  };
  void loop();
  return {
    replica,
    database,
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * The streaming replicas of DATABASE_READ_URLS, each with its state read in the background. Only
 * queries of read models use them (read-routing.ts); nothing that decides reads a replica.
 */
export function openReadReplicas(urls: readonly string[], logger: Logger): ReadReplicas {
  const opened = urls.map((url, index) => openReplica(`replica-${index + 1}`, url, logger.child({ replica: index + 1 })));
  return {
    replicas: opened.map((entry) => entry.replica),
    async stop() {
      for (const entry of opened) entry.stop();
      await Promise.all(opened.map((entry) => entry.database.close()));
    },
  };
}

/**
 * `/ready`'s `replicas` component: each replica up or down, with its lag in WAL bytes behind the
 * primary and the time since it last replayed a transaction. A replica down degrades reads (the
 * primary serves them) but does not make the server unready.
 */
export async function replicaReadiness(replicas: readonly ReadReplica[], primary: Kysely<EventStoreTables>) {
  const items = await Promise.all(
    replicas.map(async (replica) => {
      const state = replica.state();
      if (!state) return { name: replica.name, status: 'down' as const, detail: replica.lastError() ?? 'not read yet' };
      if (!state.inRecovery)
        return {
          name: replica.name,
          status: 'down' as const,
          detail: 'not in recovery: not a replica (promoted?); queries go to the primary',
        };
      // The primary's WAL position; null when the primary does not answer (its own component says so).
      const lagBytes = await sql<{ lag_bytes: number | null }>`
      select pg_wal_lsn_diff(pg_current_wal_lsn(), ${state.replayLsn}::pg_lsn)::float8 as lag_bytes`
        .execute(primary)
        .then(
          ({ rows }) => Math.max(0, rows[0]?.lag_bytes ?? 0),
          () => null,
        );
      return { name: replica.name, status: 'up' as const, lagBytes, replayDelayMs: state.replayDelayMs };
    }),
  );
  const down = items.filter((item) => item.status === 'down').length;
  return {
    status: down === 0 ? ('up' as const) : ('degraded' as const),
    detail:
      down === 0
        ? `${items.length} replica(s) serve queries`
        : `${down} of ${items.length} replica(s) down; the primary serves their queries`,
    items,
  };
}
