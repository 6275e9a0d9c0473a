/**
 * A projector process for the crash test: runs the read models against DATABASE_URL until it is
 * killed. Prints "started" once its runtime is up.
 */
import { createEventStore, createPostgresDatabase } from '@tracktrove/event-store';
import { readModels, startProjectionRuntime } from '../../src/index.ts';

const [databaseUrl, batchSize] = process.argv.slice(2);
if (!databaseUrl) throw new Error('usage: run-projector.ts <database url> [batch size]');
const database = createPostgresDatabase({ connectionString: databaseUrl });
const store = await createEventStore({ database });
await startProjectionRuntime({ store, projections: readModels, batchSize: Number(batchSize ?? 500), pollIntervalMs: 50 });
process.stdout.write('started\n');
setInterval(() => undefined, 60_000);
