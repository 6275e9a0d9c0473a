import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext, ComponentCheck } from '../app-context.ts';
import { requireRole } from '../http/auth.ts';

const readyTimeoutMs = 2_000;

/** Rejects after ms with code ETIMEDOUT: a database that does not answer a check counts as unreachable. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(Object.assign(new Error(`no answer in ${ms} ms`), { code: 'ETIMEDOUT' })), ms).unref(),
    ),
  ]);
}

/** /health (liveness), /ready (each component), /metrics (Prometheus). */
export function operationsRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    // Every component is checked at once, each for at most readyTimeoutMs: /ready answers within
    // about that however many components wait on an unreachable database. Once the database is
    // known to be unreachable, it is reported down without another query.
    app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
      const down = (error: unknown): ComponentCheck => ({ status: 'down', detail: error instanceof Error ? error.message : String(error) });
      const postgres = async (): Promise<ComponentCheck> => {
        if (!context.availability.available) return { status: 'down', detail: context.availability.lastError ?? 'unreachable' };
        try {
          await withTimeout(sql`select 1`.execute(context.store.database.db), readyTimeoutMs);
          return { status: 'up', kind: context.store.database.kind };
        } catch (error) {
          context.availability.reportFailure(error);
          return down(error);
        }
      };
      const checked = await Promise.all([
        postgres().then((check) => ['postgres', check] as const),
        ...Object.entries(context.readinessChecks).map(
          async ([name, check]) => [name, await withTimeout(check(), readyTimeoutMs).catch(down)] as const,
        ),
      ]);
      const components: Record<string, ComponentCheck> = Object.fromEntries(checked);
      const ready = Object.values(components).every((component) => component.status !== 'down');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', components });
    });

    const role = context.config.docsAndMetricsRole;
    app.get(
      '/metrics',
      { schema: { hide: true }, onRequest: role ? requireRole(role, context.tokens) : undefined },
      async (_request, reply) => {
        reply.type(context.metrics.registry.contentType);
        return context.metrics.registry.metrics();
      },
    );

    app.get('/swagger-ui.html', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs', 302));
  };
}
