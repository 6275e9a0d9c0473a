import type { ReadQueries } from '@tracktrove/application';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProjectionRuntime, ProjectionStatus, VerifyOptions } from '@tracktrove/application';
import type { AppContext } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';
import { problems } from '../http/problem.ts';
import { waitForMinPosition } from '../http/read-your-writes.ts';
import { longRunning, longRunningLimits } from '../http/timeouts.ts';
import { ProjectionStatusViewSchema, RebuildStartedViewSchema, VerifyReportViewSchema } from '../schemas/admin-views.ts';
import { MinPositionQuery } from '../schemas/common.ts';

const verifyCatchUpMs = 30_000;

/** Admin: read-model status, rebuild from history, and verification against a fresh fold. */
export function adminProjectionRoutes(
  runtime: ProjectionRuntime,
  queries: ReadQueries,
  verifyOptions: Pick<VerifyOptions, 'checkTransactions'> = {},
): (context: AppContext) => FastifyPluginAsync {
  return (context) => async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const admin = requireRole('admin', context.tokens);
    const statusView = (status: ProjectionStatus) => ({ ...status });

    app.get(
      '/api/admin/projections',
      {
        onRequest: admin,
        preHandler: waitForMinPosition(runtime),
        schema: {
          tags: ['admin'],
          summary: 'Each read model: position, lag, status and rebuild progress',
          querystring: z.object(MinPositionQuery),
          response: { 200: z.object({ items: z.array(ProjectionStatusViewSchema) }) },
        },
      },
      async () => ({ items: (await runtime.status()).map(statusView) }),
    );

    app.post(
      '/api/admin/projections/:name/rebuild',
      {
        onRequest: admin,
        schema: {
          tags: ['admin'],
          summary: 'Rebuild a read model (or all: reading the log once) from history while queries keep being served, then swap',
          params: z.object({ name: z.string().min(1).max(100) }),
          response: { 202: RebuildStartedViewSchema },
        },
      },
      async (request, reply) => {
        const { name } = request.params;
        const statuses = await runtime.status();
        const targets = name === 'all' ? statuses : statuses.filter((status) => status.name === name);
        if (targets.length === 0) throw problems.notFound(`no projection named ${name}`);
        if (targets.some((status) => status.status === 'rebuilding'))
          throw Object.assign(new Error(`a rebuild of ${name} is already running`), { code: 'rebuild_in_progress' });
        const announce = (projection: string, status: string, progress: unknown) =>
          context.tail.broadcast({ kind: 'projection', name: projection, status, position: null, progress });
        // The answer waits until the rebuild has started (its first progress report) or was refused
        // (a rebuild of the same projection running in another process: 409), not for its end.
        let markStarted!: () => void;
        const started = new Promise<void>((resolve) => {
          markStarted = resolve;
        });
        const rebuilding =
          name === 'all'
            ? runtime.rebuildAll((progress) => {
                markStarted();
                for (const projection of Object.keys(progress.generations)) announce(projection, 'rebuilding', progress);
              })
            : runtime
                .rebuild(name, (progress) => {
                  markStarted();
                  announce(name, 'rebuilding', progress);
                })
                .then((result) => [result]);
        const refusal = await Promise.race([
          started.then(() => null),
          rebuilding.then(
            () => null,
            (error: unknown) => error,
          ),
        ]);
        if (refusal !== null) throw refusal;
        rebuilding
          .then((results) => {
            context.logger.info({ results }, 'projection rebuild finished');
            for (const result of results) announce(result.name, 'live', null);
          })
          .catch((error: unknown) => context.logger.error({ err: error, projection: name }, 'projection rebuild failed'));
        return reply
          .status(202)
          .send({ name, status: 'rebuilding', projections: targets.map((status) => status.name), statusUrl: '/api/admin/projections' });
      },
    );

    app.post(
      '/api/admin/verify',
      {
        onRequest: [admin, longRunning(longRunningLimits.verifyMs)],
        schema: {
          tags: ['admin'],
          summary: 'Check every invariant: the ledger, read models against a fold of the log, event integrity',
          response: { 200: VerifyReportViewSchema },
        },
      },
      async () => {
        const upTo = await context.store.headPosition();
        const caughtUp = await runtime.waitForPosition(upTo, verifyCatchUpMs);
        const report = await queries.verify({ ...verifyOptions, upTo });
        return { ...report, ok: report.ok && caughtUp, caughtUp };
      },
    );
  };
}
