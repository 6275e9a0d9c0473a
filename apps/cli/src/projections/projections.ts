import { readModels, verifyReadModels, type ProjectionRuntime, type RebuildResult } from '@tracktrove/projections';
import { settlementCandidateViolations, trackTroveDb } from '@tracktrove/application';
import { UsageError } from '../command-line.ts';
import type { ProjectionsArgs } from './args.ts';
import type { CliContext, CommandRunner } from '../context.ts';
import { startProgress } from '../progress.ts';
import { openServices } from '../services.ts';
import { resolveTarget } from '../server/target.ts';
import { listedDifferences, writeRebuilt, writeStatuses, writeVerifyReport } from './report.ts';
import { readStoredStatuses } from './stored-status.ts';
import { projectionsThroughServer } from './through-server.ts';

/** verify gives up when the read models stop catching up for this long. */
const catchUpStallMs = 60_000;

export const projections: CommandRunner<ProjectionsArgs> = async (args, context) => {
  const names = readModels.map((projection) => projection.name);
  if (args.action === 'rebuild' && args.name !== 'all' && !names.includes(args.name)) {
    throw new UsageError(`unknown read model '${args.name}' (read models: ${names.join(', ')}; or all)`, 'projections rebuild');
  }
  const target = await resolveTarget(args.server, context.config, context.io.env);
  if (target.kind === 'server') return projectionsThroughServer(args, target.api, context);
  const services = await openServices(context.config, context.logger, `tracktrove projections ${args.action}`);
  try {
    if (args.action === 'status') {
      writeStatuses(context.io.stdout, await readStoredStatuses(services.database, names));
      return 0;
    }
    const runtime = await services.runtime();
    if (args.action === 'rebuild') return await rebuild(runtime, args.name, context);
    const head = await services.store.headPosition();
    await catchUp(runtime, head, context);
    const report = await verifyReadModels(
      services.store,
      services.database.db,
      {
        transactions: runtime.schemaOf('transactions'),
        traces: runtime.schemaOf('traces'),
        ledger: runtime.schemaOf('ledger'),
      },
      {
        upTo: head,
        maxDifferences: listedDifferences,
        checkTransactions: (states) => settlementCandidateViolations(trackTroveDb(services.database), states),
      },
    );
    return writeVerifyReport(context.io.stdout, names, report);
  } finally {
    await services.close();
  }
};

async function rebuild(runtime: ProjectionRuntime, name: string, { io }: CliContext): Promise<number> {
  const progress = startProgress(io.stderr, `rebuilding ${name}`, 'events');
  const onProgress = (update: { eventsDone: number; eventsTotal: number }) => progress.update(update.eventsDone, update.eventsTotal);
  let results: RebuildResult[];
  try {
    results = name === 'all' ? await runtime.rebuildAll(onProgress) : [await runtime.rebuild(name, onProgress)];
  } finally {
    progress.finish();
  }
  writeRebuilt(io.stdout, results);
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
        throw new Error(
          `the read models stopped catching up with the log (${lag} events behind for ${catchUpStallMs / 1000} s): see 'tracktrove projections status' and the log`,
        );
      }
    }
    progress?.update(initialLag, initialLag);
  } finally {
    progress?.finish();
  }
}
