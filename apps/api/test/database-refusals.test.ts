import { sql } from 'kysely';
import { createPostgresDatabase, type StoreDatabase } from '@tracktrove/event-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackTroveModule } from '../src/index.ts';
import { startTestServer, type TestServer } from './test-server.ts';

/**
 * PostgreSQL that answers but cannot take the work: a read-only server (a standby after a
 * failover). Commands answer 503 with Retry-After, never 500, and are served again once the
 * database is writable, without a restart. (The other such answers are mapped in error-mapping.test.ts.)
 */
describe('the database refuses work it cannot do now', () => {
  let server: TestServer;
  let admin: StoreDatabase;
  let databaseName: string;

  const initiate = () => fetch(`${server.baseUrl}/api/transactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vendorId: crypto.randomUUID(), amount: '12.50', channel: 'WEB', simulation: { webhook: { delayMs: 3_600_000 } } }),
  });

  /** Sets (or resets, with null) a setting of the server's database for new sessions, and ends the sessions it has. */
  const setForNewSessions = async (setting: 'default_transaction_read_only', value: 'on' | null) => {
    const name = sql.id(databaseName);
    await (value === null ? sql`alter database ${name} reset ${sql.raw(setting)}` : sql`alter database ${name} set ${sql.raw(setting)} = ${sql.raw(value)}`).execute(admin.db);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${databaseName}`.execute(admin.db);
  };

  /** Initiates until one answers other than 503 (the server reconnecting), and answers it with the statuses seen. */
  const initiateUntilSettled = async (timeoutMs: number) => {
    const statuses: number[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await initiate();
      statuses.push(response.status);
      if (response.status !== 503 || Date.now() > deadline) return { response, statuses };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()] });
    const url = new URL(server.testDatabase.url);
    databaseName = url.pathname.slice(1);
    url.pathname = '/postgres';
    admin = createPostgresDatabase({ connectionString: url.toString(), poolSize: 1 });
  });
  afterAll(async () => {
    if (admin) {
      await sql`alter database ${sql.id(databaseName)} reset all`.execute(admin.db).catch(() => undefined);
      await admin.close();
    }
    await server?.close();
  });

  it('a read-only database: commands answer 503 with Retry-After while reads answer 200; writes again once it is writable', async () => {
    const created = await initiate();
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    await setForNewSessions('default_transaction_read_only', 'on');
    const readOnly = await initiateUntilSettledOn503(server, initiate);
    expect(readOnly.statuses.every((status) => status === 503)).toBe(true);
    expect(readOnly.last.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(readOnly.last.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await readOnly.last.json()) as { detail: string }).detail).toMatch(/read-only/);
    const read = await fetch(`${server.baseUrl}/api/transactions/${id}`);
    expect(read.status).toBe(200);

    await setForNewSessions('default_transaction_read_only', null);
    const { response, statuses } = await initiateUntilSettled(15_000);
    expect(response.status).toBe(201);
    expect(statuses.filter((status) => status !== 503 && status !== 201)).toEqual([]);
  });
});

/**
 * Initiates until the refusal itself answers (a 503 whose detail is the database's reason, not the
 * reconnecting server's "unreachable"), for at most 15 s; answers every status seen and the last response.
 */
async function initiateUntilSettledOn503(server: TestServer, initiate: () => Promise<Response>): Promise<{ statuses: number[]; last: Response }> {
  const statuses: number[] = [];
  const deadline = Date.now() + 15_000;
  for (;;) {
    const response = await initiate();
    statuses.push(response.status);
    if (response.status !== 503) return { statuses, last: response };
    const detail = ((await response.clone().json()) as { detail?: string }).detail ?? '';
    if (/cannot take this request/.test(detail) || Date.now() > deadline) return { statuses, last: response };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
