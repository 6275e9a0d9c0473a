import { readModels, verifyReadModels, type ProjectionRuntime } from '@tracktrove/projections';
import { settlementCandidateViolations } from '@tracktrove/timers';
import { UsageError } from '../command-line.ts';
import type { ProjectionsArgs } from '../commands/projections.ts';
import type { CliContext, CommandRunner } from '../context.ts';
import { startProgress } from '../progress.ts';
import { openServices } from '../services.ts';
import { formatTable } from '../table.ts';
import { lagCountLimit, readStoredStatuses } from './stored-status.ts';

/** Differences listed by verify; the count covers them all. */
const listedDifferences = 50;
/** verify gives up when the read models stop catching up for this long. */
const catchUpStallMs = 60_000;

export const projections: CommandRunner<ProjectionsArgs> = async (args, context) => {
  const names = readModels.map((projection) => projection.name);
  if (args.action === 'rebuild' && args.name !== 'all' && !names.includes(args.name)) {
    throw new UsageError(`unknown read model '${args.name}' (read models: ${names.join(', ')}; or all)`, 'projections rebuild');
  }
  const services = await openServices(context.config, context.logger);
  try {
    if (args.action === 'status') {
      const statuses = await readStoredStatuses(services.database, names);
      context.io.stdout.write(formatTable(['read model', 'generation', 'state', 'position', 'lag'], statuses.map((status) => [
        status.name,
        status.generation ?? '-',
        status.rebuildingGeneration === null ? status.state : `rebuilding generation ${status.rebuildingGeneration}`,
        status.position ?? 'start of log',
        status.lag >= lagCountLimit ? `${lagCountLimit}+` : status.lag,
      ])));
      const behind = statuses.filter((status) => status.lag > 0);
      if (behind.length > 0) {
        context.io.stdout.write('lag: events in the log that a read model has not applied yet; the server\'s projectors apply them while it runs (projections verify catches them up here)\n');
      }
      return 0;
    }
    const runtime = await services.runtime();
    if (args.action === 'rebuild') return await rebuild(runtime, args.name, context);
    const head = await services.store.headPosition();
    await catchUp(runtime, head, context);
    const report = await verifyReadModels(services.store, services.database.db, {
      transactions: runtime.schemaOf('transactions'), traces: runtime.schemaOf('traces'), ledger: runtime.schemaOf('ledger'),
    }, { upTo: head, maxDifferences: listedDifferences, checkTransactions: (states) => settlementCandidateViolations(services.database.db, states) });
    const out = context.io.stdout;
    out.write(`checked ${names.join(', ')} against a fresh fold of ${report.checkedEvents} events (${report.checkedTransactions} transactions) up to ${report.upTo}\n`);
    if (report.differences.length > 0) {
      out.write(formatTable(['read model', 'key', 'field', 'expected', 'actual'], report.differences.map((difference) => [
        difference.readModel, difference.key, difference.field, shortJson(difference.expected), shortJson(difference.actual),
      ])));
    }
    for (const violation of report.violations) out.write(`violation: ${violation.invariant}: ${violation.message}${violation.entryId ? ` (entry ${violation.entryId})` : ''}\n`);
    if (report.ok) {
      out.write('ok: every read model equals a fresh fold of the log; the ledger balances; every payment\'s money is where its status says\n');
      return 0;
    }
    const listed = report.differenceCount > report.differences.length ? ` (the first ${report.differences.length} listed)` : '';
    out.write(`NOT OK: ${report.differenceCount} difference${report.differenceCount === 1 ? '' : 's'}${listed}, ${report.violations.length} violation${report.violations.length === 1 ? '' : 's'}; 'tracktrove projections rebuild <name>' builds a read model afresh\n`);
    return 1;
  } finally {
    await services.close();
  }
};

async function rebuild(runtime: ProjectionRuntime, name: string, { io }: CliContext): Promise<number> {
  const progress = startProgress(io.stderr, `rebuilding ${name}`, 'events');
  const onProgress = (update: { eventsDone: number; eventsTotal: number }) => progress.update(update.eventsDone, update.eventsTotal);
  let results;
  try {
    results = name === 'all' ? await runtime.rebuildAll(onProgress) : [await runtime.rebuild(name, onProgress)];
  } finally {
    progress.finish();
  }
  io.stdout.write(formatTable(['read model', 'generation', 'events', 'ms', 'events/s'], results.map((result) => [
    result.name, result.generation, result.eventsApplied, result.durationMs, result.eventsPerSecond,
  ])));
  io.stdout.write(`rebuilt ${results.map((result) => `${result.name} (generation ${result.generation})`).join(', ')} and swapped: queries read the new generation${results.length === 1 ? '' : 's'} now\n`);
  return 0;
}

/** Waits until this process's projectors (or the server's) have applied the log up to `head`. */
async function catchUp(runtime: ProjectionRuntime, head: string, { io }: CliContext): Promise<void> {
  let progress: ReturnType<typeof startProgress> | undefined;
  let initialLag = 0;
  let bestLag = Number.POSITIVE_INFINITY;
  let improvedAtMs = Date.now();
  try {
    while (!(await runtime.waitForPosition(head, 2_000))) {
      const lag = Math.max(...(await runtime.status()).map((status) => status.lag));
      if (!progress) {
        initialLag = lag;
        progress = startProgress(io.stderr, 'catching up the read models', 'events');
      }
      progress.update(Math.max(0, initialLag - lag), initialLag);
      if (lag < bestLag) {
        bestLag = lag;
        improvedAtMs = Date.now();
      } else if (Date.now() - improvedAtMs > catchUpStallMs) {
        throw new Error(`the read models stopped catching up with the log (${lag} events behind for ${catchUpStallMs / 1000} s): see 'tracktrove projections status' and the log`);
      }
    }
    progress?.update(initialLag, initialLag);
  } finally {
    progress?.finish();
  }
}

function shortJson(value: unknown): string {
  const text = value === undefined ? '(none)' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
