/**
 * What the reference servers of the API benchmark share with TrackTrove's POST /api/transactions:
 * a Fastify 5 app whose route validates the same JSON body with the same zod schema (the API's
 * InitiateBodySchema, through fastify-type-provider-zod as the API does), and the initiate's
 * event data built from it. Each peer supplies only what it does with a valid body.
 */
import { randomUUID } from 'node:crypto';
import { fastify, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { InitiateBodySchema, type InitiateBody } from '../../../../apps/api/src/schemas/initiate.ts';

/** A type, not an interface: Emmett's event data must be a record. */
export type InitiatedData = {
  readonly transactionId: string;
  readonly vendorId: string;
  readonly payerId: string | null;
  readonly amount: string | number;
  readonly currency: string;
  readonly channel: string;
  readonly kind: string;
  readonly payload: Record<string, unknown>;
  readonly serviceContext: string | null;
  readonly escrowTtlMs: number;
  readonly initiatedAt: string;
};

export type InitiateHandler = (data: InitiatedData, correlationId: string) => Promise<Record<string, unknown>>;

const defaultEscrowTtlMs = 15 * 60_000;

export function initiatedDataOf(body: InitiateBody): InitiatedData {
  return {
    transactionId: randomUUID(),
    vendorId: body.vendorId,
    payerId: body.payerId ?? null,
    amount: body.amount,
    currency: body.currency ?? 'INR',
    channel: body.channel,
    kind: body.kind,
    payload: body.payload,
    serviceContext: body.serviceContext ?? null,
    escrowTtlMs: body.simulation?.escrowTtlMs ?? defaultEscrowTtlMs,
    initiatedAt: new Date().toISOString(),
  };
}

/** A silent Fastify app with POST /api/transactions: validate, hand the data over, answer 201 with what the handler returns. */
export function initiateApp(handle: InitiateHandler): FastifyInstance {
  const app = fastify({ logger: false, bodyLimit: 256 * 1024 });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.withTypeProvider<ZodTypeProvider>().post('/api/transactions', { schema: { body: InitiateBodySchema } }, async (request, reply) => {
    const view = await handle(initiatedDataOf(request.body), request.id);
    return reply.status(201).send(view);
  });
  return app;
}

/** Listens on 127.0.0.1, prints `{"url", "pid"}` on stdout (api-server.ts waits for it), closes on SIGTERM or when stdin ends. */
export async function serveUntilStopped(app: FastifyInstance, close: () => Promise<void>): Promise<void> {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    void app
      .close()
      .then(close)
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}
