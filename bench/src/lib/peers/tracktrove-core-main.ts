/**
 * Ablation "TrackTrove's guarantee alone": the application facade's initiate, exactly as the API
 * calls it, behind a bare Fastify 5 route with the same body, validation and response schema, and
 * nothing else in the process. What runs per request: the domain's decide with its trace metadata
 * (the DTO before and after each step), the hold's timer, the simulated gateway's webhook delivery
 * and the settlement candidate planned and written in the same statement as the events, group
 * commit, the idempotency store (no key is sent), and the 2xx after commit. What does not run: the
 * read models and the log tail (nothing reads the events back), the Redis hold (in-process timers
 * and the PostgreSQL sweeper instead, as on the embedded default), the API's hooks (auth, request
 * ids, helmet, CORS, rate limit, metrics, the JSON depth check) and the endpoint dispatcher.
 *
 * The difference from the bare route is what the guarantee costs; the difference from TrackTrove's
 * server is what the rest of the product costs in the request process.
 *
 * Environment: DATABASE_URL.
 */
import { fastify } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { applicationSettings, loadConfig } from '@tracktrove/config';
import { createTrackTrove, trackTroveDb, trackTroveMigrations, transactionViewOf } from '@tracktrove/application';
import { createEventStore, eventStoreMigrations, migrateToLatest, openDatabase } from '@tracktrove/event-store';
import { loadOrCreateWebhookSecret } from '@tracktrove/simulator';
import { InitiateBodySchema, initiateInputOf } from '../../../../apps/api/src/schemas/initiate.ts';
import { CommandResponseSchema } from '../../../../apps/api/src/schemas/views.ts';
import { serveUntilStopped } from './initiate-route.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const config = loadConfig({}, { databaseUrl, logLevel: 'silent' });
const database = await openDatabase({ databaseUrl });
await migrateToLatest(database.db, { ...eventStoreMigrations, ...trackTroveMigrations });
const store = await createEventStore({ database });
const trackTrove = createTrackTrove({
  ...applicationSettings(config),
  database,
  store,
  webhookSecret: await loadOrCreateWebhookSecret(trackTroveDb(database)),
  endpoints: { dispatch: false },
});
await trackTrove.start();

const operator = { id: 'bench', role: 'operator' } as const;
const app = fastify({ logger: false, bodyLimit: 256 * 1024 });
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);
app
  .withTypeProvider<ZodTypeProvider>()
  .post('/api/transactions', { schema: { body: InitiateBodySchema, response: { 201: CommandResponseSchema } } }, async (request, reply) => {
    const result = await trackTrove.initiate(initiateInputOf(request.body, config.amountLimits), operator, { correlationId: request.id });
    const position = result.position ?? result.appended.at(-1)?.position ?? '';
    reply.header('etag', `"${result.version}"`);
    return reply.status(201).send({ ...transactionViewOf(result.state, position), position });
  });
await serveUntilStopped(app, async () => {
  await trackTrove.stop();
  await store.close();
  await database.close();
});
