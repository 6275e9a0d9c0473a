import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import type { Logger } from 'pino';
import { startServer, trackTroveModule, type Config } from '@tracktrove/api';
import { checkLedgerInvariants, postingsFor, evolve, initialState, type LedgerEntry, type TransactionState } from '@tracktrove/domain';
import { toTransactionEvent } from '@tracktrove/commands';
import { eventStoreMigrations, migrateToLatest, openDatabase } from '@tracktrove/event-store';
import { verifyReadModels } from '@tracktrove/projections';
import { join } from 'node:path';
import { openServices } from './services.ts';
import { formatTable } from './table.ts';

export interface CliContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly args: readonly string[];
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly out: NodeJS.WritableStream;
}

export type CliCommand = (context: CliContext) => Promise<number>;

export class UsageError extends Error {}

const limits = { maxSimulated: 100_000, maxConcurrency: 64 } as const;

function numberOption(context: CliContext, name: string, fallback: number, min: number, max: number): number {
  const raw = context.options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value < min || value > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  return value;
}

function progressBar(context: CliContext, label: string) {
  return new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}`,
    stream: context.out as NodeJS.WriteStream,
    noTTYOutput: true,
    notTTYSchedule: 1_000,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
}

async function start({ config, logger }: CliContext): Promise<number> {
  const server = await startServer({ config, logger, modules: [trackTroveModule()] });
  logger.info({ url: server.url, database: config.databaseUrl ? 'postgres' : 'pglite', redis: config.redisUrl ? 'redis' : 'in-process timers' }, 'TrackTrove is running');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('shutting down');
  await server.close();
  return 0;
}

async function migrate({ config, logger, out }: CliContext): Promise<number> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? undefined : join(config.dataDir, 'pglite'), logger });
  try {
    const ran = await migrateToLatest(database.db, { ...eventStoreMigrations, ...trackTroveModule().migrations });
    out.write(ran.length > 0 ? `applied: ${ran.join(', ')}\n` : 'nothing to migrate\n');
    return 0;
  } finally {
    await database.close();
  }
}

async function projections(context: CliContext): Promise<number> {
  const [action, name] = context.args;
  const services = await openServices(context.config, context.logger);
  try {
    const runtime = await services.runtime();
    if (action === 'status') {
      const statuses = await runtime.status();
      context.out.write(formatTable(['projection', 'generation', 'status', 'position', 'lag'], statuses.map((status) => [status.name, status.generation, status.status, status.position, status.lag])));
      return 0;
    }
    if (action === 'rebuild') {
      if (!name) throw new UsageError('projections rebuild <name | all>');
      const bar = progressBar(context, `rebuilding ${name}`);
      let started = false;
      const onProgress = (progress: { eventsDone: number; eventsTotal: number; eventsPerSecond: number }) => {
        if (!started) {
          bar.start(Math.max(progress.eventsTotal, 1), 0, { rate: '' });
          started = true;
        }
        bar.setTotal(Math.max(progress.eventsTotal, 1));
        bar.update(progress.eventsDone, { rate: `${progress.eventsPerSecond} events/s` });
      };
      const results = name === 'all' ? await runtime.rebuildAll(onProgress) : [await runtime.rebuild(name, onProgress)];
      if (started) bar.stop();
      for (const result of results) {
        context.out.write(`${result.name}: generation ${result.generation}, ${result.eventsApplied} events in ${result.durationMs} ms (${result.eventsPerSecond} events/s), swapped\n`);
      }
      return 0;
    }
    if (action === 'verify') {
      const head = await services.store.headPosition();
      await runtime.waitForPosition(head, 60_000);
      const report = await verifyReadModels(services.store, services.database.db, {
        transactions: runtime.schemaOf('transactions'), traces: runtime.schemaOf('traces'), ledger: runtime.schemaOf('ledger'),
      }, { upTo: head });
      context.out.write(`checked ${report.checkedEvents} events, ${report.checkedTransactions} transactions up to ${report.upTo}\n`);
      if (report.differences.length > 0) {
        context.out.write(formatTable(['read model', 'key', 'field', 'expected', 'actual'], report.differences.map((difference) => [
          difference.readModel, difference.key, difference.field, JSON.stringify(difference.expected).slice(0, 60), JSON.stringify(difference.actual).slice(0, 60),
        ])));
      }
      for (const violation of report.violations) context.out.write(`violation: ${JSON.stringify(violation)}\n`);
      context.out.write(report.ok ? 'ok: every read model equals a fresh fold of the log; the ledger balances\n' : `NOT OK: ${report.differenceCount} differences, ${report.violations.length} violations\n`);
      return report.ok ? 0 : 1;
    }
    throw new UsageError('projections status | rebuild <name> | verify');
  } finally {
    await services.close();
  }
}

async function simulate(context: CliContext): Promise<number> {
  const count = numberOption(context, 'count', 100, 1, limits.maxSimulated);
  const successRate = numberOption(context, 'success-rate', 0.9, 0, 1);
  const seed = numberOption(context, 'seed', 42, 0, 2 ** 31 - 1);
  const dropRate = numberOption(context, 'drop-webhooks', 0, 0, 1);
  const duplicateRate = numberOption(context, 'duplicate-webhooks', 0, 0, 1);
  const concurrency = numberOption(context, 'concurrency', 8, 1, limits.maxConcurrency);
  const services = await openServices(context.config, context.logger);
  try {
    const trackTrove = await services.trackTrove();
    const vendors = Array.from({ length: 5 }, () => randomUUID());
    const bar = progressBar(context, 'firing');
    bar.start(count, 0, { rate: '' });
    const startedAt = Date.now();
    const ids: string[] = [];
    let next = 0;
    let failedRequests = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        try {
          const result = await trackTrove.initiate({
            vendorId: vendors[index % vendors.length]!,
            amountMinor: 100 + ((seed + index * 7919) % 49_900),
            currency: 'INR',
            channel: (['WEB', 'MOBILE', 'API', 'POS'] as const)[index % 4]!,
            kind: (['TIP', 'BID_ADJUSTMENT', 'LOYALTY_CREDIT', 'PAYMENT'] as const)[index % 4]!,
            payload: { simulated: true, index },
            simulation: { successRate, seed: (seed + index) % 2 ** 31, webhook: { dropRate, duplicateRate, delayMs: 1_000 } },
          }, { role: 'operator', id: 'cli-simulate' }, { correlationId: `simulate-${seed}-${index}` });
          ids.push(result.state.transactionId);
        } catch (error) {
          failedRequests += 1;
          context.logger.warn({ err: error }, 'initiate failed');
        }
        bar.update(index + 1, { rate: `${Math.round((index + 1) / Math.max((Date.now() - startedAt) / 1000, 0.001))}/s` });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    bar.stop();
    // Let the sandbox clock run: webhooks arrive, holds expire, retries fire.
    const advanced = await trackTrove.clock.advance({ ms: 10 * 60_000 }, { role: 'operator', id: 'cli-simulate' }, `simulate-${seed}`);
    const byStatus = new Map<string, { count: number; amountMinor: number }>();
    const entries: LedgerEntry[] = [];
    for (const id of ids) {
      let state: TransactionState = initialState();
      for (const event of await services.store.readStream(`txn-${id}`)) {
        const domainEvent = toTransactionEvent(event);
        const after = evolve(state, domainEvent);
        entries.push(...postingsFor(state, domainEvent, after));
        state = after;
      }
      const current = byStatus.get(state.status) ?? { count: 0, amountMinor: 0 };
      byStatus.set(state.status, { count: current.count + 1, amountMinor: current.amountMinor + state.amountMinor });
    }
    const violations = checkLedgerInvariants(entries);
    context.out.write(`\n${ids.length} transactions in ${Date.now() - startedAt} ms (seed ${seed}); clock advanced 10 min, ${advanced.firedTimers} timers fired\n\n`);
    context.out.write(formatTable(['status', 'count', 'amount INR'], [...byStatus].sort().map(([status, value]) => [status, value.count, (value.amountMinor / 100).toFixed(2)])));
    context.out.write(`\nledger: ${entries.length} entries, ${violations.length === 0 ? 'balanced, no invariant violated' : `${violations.length} VIOLATIONS`}\n`);
    if (failedRequests > 0) context.out.write(`${failedRequests} initiations failed (see the log)\n`);
    return violations.length === 0 && failedRequests === 0 ? 0 : 1;
  } finally {
    await services.close();
  }
}

async function replay(context: CliContext): Promise<number> {
  const [transactionId] = context.args;
  if (!transactionId || !/^[0-9a-f-]{36}$/i.test(transactionId)) throw new UsageError('replay <transactionId>');
  const services = await openServices(context.config, context.logger);
  try {
    const events = await services.store.readStream(`txn-${transactionId}`);
    if (events.length === 0) {
      context.out.write(`no transaction ${transactionId}\n`);
      return 1;
    }
    let state: TransactionState = initialState();
    const rows: Array<Array<string | number>> = [];
    const started = events[0]!.recordedAt.getTime();
    for (const event of events) {
      const before = state.status;
      state = evolve(state, toTransactionEvent(event));
      const metadata = event.metadata as { step?: string; service?: string; actor?: { role: string; id: string }; durationMs?: number; attempt?: number; error?: { message: string } | null };
      rows.push([
        event.version,
        `+${event.recordedAt.getTime() - started} ms`,
        event.type,
        `${before} -> ${state.status}`,
        metadata.service ?? '',
        metadata.actor ? `${metadata.actor.role}:${metadata.actor.id}` : '',
        metadata.durationMs ?? 0,
        metadata.attempt ?? 1,
        metadata.error?.message ?? '',
      ]);
    }
    context.out.write(`transaction ${transactionId}: ${state.status}, ${(state.amountMinor / 100).toFixed(2)} ${state.currency}, vendor ${state.vendorId}\n\n`);
    context.out.write(formatTable(['v', 'at', 'event', 'status', 'service', 'actor', 'ms', 'attempt', 'error'], rows));
    return 0;
  } finally {
    await services.close();
  }
}

export const commands: Record<string, CliCommand> = { start, migrate, projections, simulate, replay };
