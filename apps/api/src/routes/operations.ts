import { sql } from 'kysely';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../app-context.ts';

export interface ComponentCheck {
  readonly status: 'up' | 'down' | 'degraded' | 'disabled';
  readonly detail?: string;
  readonly [key: string]: unknown;
}

const readyTimeoutMs = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}

/** /health (liveness), /ready (each component), /metrics (Prometheus). */
export function operationsRoutes(context: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));

    app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
      const components: Record<string, ComponentCheck> = {};
      try {
        await withTimeout(sql`select 1`.execute(context.store.database.db), readyTimeoutMs);
        components.postgres = { status: 'up', kind: context.store.database.kind };
      } catch (error) {
        context.availability.reportFailure(error);
        components.postgres = { status: 'down', detail: error instanceof Error ? error.message : String(error) };
      }
      for (const [name, check] of Object.entries(context.readinessChecks)) {
        try {
          components[name] = await withTimeout(check(), readyTimeoutMs);
        } catch (error) {
          components[name] = { status: 'down', detail: error instanceof Error ? error.message : String(error) };
        }
      }
      const ready = Object.values(components).every((component) => component.status !== 'down');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', components });
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(context.metrics.registry.contentType);
      return context.metrics.registry.metrics();
    });

    app.get('/swagger-ui.html', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/docs', 302));
  };
}
