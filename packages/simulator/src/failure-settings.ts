import { sql } from 'kysely';
import { z } from 'zod';
import { ValidationError, type SimulationSettings, type TransactionState } from '@tracktrove/domain';
import type { SimulatorTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

const RateSchema = z.number().min(0).max(1);

/**
 * Global failure injection (admin GET/PUT). A value that is set (not null) wins over the
 * transaction's own simulation block, from the moment it is set: for the decisions of transactions
 * already in flight too (a retry's authorization, a new hold's webhook, a refund's outcome), each
 * decision recorded in the event it makes. The settings in force at initiation are recorded in
 * TransactionInitiated.
 */
export const FailureSettingsSchema = z
  .object({
    successRate: RateSchema.nullable().default(null),
    webhook: z
      .object({
        dropRate: RateSchema.nullable().default(null),
        duplicateRate: RateSchema.nullable().default(null),
        delayMs: z.number().int().min(0).max(86_400_000).nullable().default(null),
        /** Deliveries get a random extra delay, so a transaction's webhooks may arrive out of order. */
        reorder: z.boolean().default(false),
      })
      .strict()
      .default({ dropRate: null, duplicateRate: null, delayMs: null, reorder: false }),
    /** Holds are not registered on Redis: their expiry notification is lost, the sweeper fires them. */
    dropExpiryNotification: z.boolean().default(false),
    /** The Redis fast path is skipped entirely, as if Redis were down. */
    redisDown: z.boolean().default(false),
    gatewayLatencyMs: z.number().int().min(0).max(30_000).default(0),
    refundFailureRate: RateSchema.nullable().default(null),
  })
  .strict();
export type FailureSettings = z.infer<typeof FailureSettingsSchema>;

export const defaultFailureSettings: FailureSettings = FailureSettingsSchema.parse({});

export async function readFailureSettings<DB extends SimulatorTables>(db: Queryable<DB>): Promise<FailureSettings> {
  const result = await sql<{ settings: unknown }>`select settings from tt_failure_settings where id = 1`.execute(db);
  const row = result.rows[0];
  if (!row) return defaultFailureSettings;
  const parsed = FailureSettingsSchema.safeParse(row.settings);
  return parsed.success ? parsed.data : defaultFailureSettings;
}

/** Replaces the settings; fields left out take their defaults (off). */
export async function writeFailureSettings<DB extends SimulatorTables>(db: Queryable<DB>, input: unknown): Promise<FailureSettings> {
  const parsed = FailureSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(body)', message: issue.message })),
    );
  }
  await sql`
    insert into tt_failure_settings (id, settings, updated_at) values (1, ${JSON.stringify(parsed.data)}::jsonb, now())
    on conflict (id) do update set settings = excluded.settings, updated_at = now()`.execute(db);
  return parsed.data;
}

/**
 * The settings for a transaction's next decision: its own (as requested at initiation), with the
 * global overrides in force now.
 */
export function simulationInForce(
  state: Pick<TransactionState, 'simulation' | 'requestedSimulation'>,
  global: FailureSettings,
): SimulationSettings {
  return effectiveSimulation(state.requestedSimulation ?? state.simulation, global);
}

/** The transaction's settings with the global overrides applied. */
export function effectiveSimulation(requested: SimulationSettings, global: FailureSettings): SimulationSettings {
  return {
    ...requested,
    successRate: global.successRate ?? requested.successRate,
    webhook: {
      dropRate: global.webhook.dropRate ?? requested.webhook.dropRate,
      duplicateRate: global.webhook.duplicateRate ?? requested.webhook.duplicateRate,
      delayMs: global.webhook.delayMs ?? requested.webhook.delayMs,
    },
    dropExpiryNotification: requested.dropExpiryNotification || global.dropExpiryNotification,
    refundFailureRate: global.refundFailureRate ?? requested.refundFailureRate,
  };
}
