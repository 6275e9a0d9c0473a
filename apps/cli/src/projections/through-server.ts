import type { ProjectionStatus, VerifyReport } from '@tracktrove/projections';
import type { ProjectionsArgs } from './args.ts';
import type { CliContext } from '../context.ts';
import { startProgress } from '../progress.ts';
import type { ServerApi } from '../server/server-api.ts';
import { writeRebuilt, writeStatuses, writeVerifyReport, type RebuiltReadModel } from './report.ts';

const pollMs = 250;
/** A rebuild whose progress has not moved for this long is given up on (it may still finish on the server). */
const rebuildStallMs = 60_000;
/** The server's verify answers within its own limit (10 min); a little more here. */
const verifyTimeoutMs = 11 * 60_000;

async function statusesOf(api: ServerApi): Promise<ProjectionStatus[]> {
  return (await api.request<{ items: ProjectionStatus[] }>('GET', '/api/admin/projections')).items;
}

/** `projections status|rebuild|verify` through a server's admin API: its projectors, its read models. */
export async function projectionsThroughServer(args: ProjectionsArgs, api: ServerApi, { io }: CliContext): Promise<number> {
  if (args.action === 'status') {
    writeStatuses(
      io.stdout,
      (await statusesOf(api)).map((status) => ({
        name: status.name,
        generation: status.generation,
        state: status.status === 'rebuilding' ? 'rebuilding' : status.lag === 0 ? 'up to date' : 'behind',
        position: status.position || null,
        lag: status.lag,
        rebuildingGeneration: status.status === 'rebuilding' ? (status.progress?.generation ?? status.generation + 1) : null,
      })),
    );
    return 0;
  }
  if (args.action === 'rebuild') {
    writeRebuilt(io.stdout, await rebuildThroughServer(api, args.name, io.stderr));
    return 0;
  }
  const report = await api.request<VerifyReport & { caughtUp?: boolean }>('POST', '/api/admin/verify', { timeoutMs: verifyTimeoutMs });
  const names = (await statusesOf(api)).map((status) => status.name);
  const code = writeVerifyReport(io.stdout, names, report);
  if (report.caughtUp === false)
    io.stdout.write("the server's read models had not caught up with the log when it verified: run it again\n");
  return code;
}

/** Starts the rebuild (202), then follows its progress in the status until every target has a new generation. */
async function rebuildThroughServer(api: ServerApi, name: string, stderr: CliContext['io']['stderr']): Promise<RebuiltReadModel[]> {
  const before = new Map((await statusesOf(api)).map((status) => [status.name, status.generation]));
  const startedAtMs = Date.now();
  const accepted = await api.request<{ projections: string[] }>('POST', `/api/admin/projections/${encodeURIComponent(name)}/rebuild`);
  const targets = accepted.projections;
  const progress = startProgress(stderr, `rebuilding ${name}`, 'events');
  let events = 0;
  let movedAtMs = Date.now();
  try {
    for (;;) {
      const statuses = (await statusesOf(api)).filter((status) => targets.includes(status.name));
      const rebuilding = statuses.filter((status) => status.status === 'rebuilding');
      for (const status of rebuilding) {
        if (!status.progress) continue;
        if (status.progress.eventsDone > events) movedAtMs = Date.now();
        events = Math.max(events, status.progress.eventsDone);
        progress.update(status.progress.eventsDone, status.progress.eventsTotal);
      }
      if (rebuilding.length === 0) {
        const failed = statuses.filter((status) => status.generation <= (before.get(status.name) ?? 0));
        if (failed.length > 0)
          throw new Error(
            `the rebuild of ${failed.map((status) => status.name).join(', ')} did not finish on the server${failed[0]!.lastError ? `: ${failed[0]!.lastError}` : ''}: see its log`,
          );
        progress.update(events, events);
        const durationMs = Date.now() - startedAtMs;
        return statuses.map((status) => ({
          name: status.name,
          generation: status.generation,
          eventsApplied: events,
          durationMs,
          eventsPerSecond: Math.round(events / Math.max(durationMs / 1_000, 0.001)),
        }));
      }
      if (Date.now() - movedAtMs > rebuildStallMs)
        throw new Error(
          `the rebuild of ${name} on the server made no progress for ${rebuildStallMs / 1_000} s: see 'tracktrove projections status' and the server's log`,
        );
      await new Promise((done) => setTimeout(done, pollMs));
    }
  } finally {
    progress.finish();
  }
}
