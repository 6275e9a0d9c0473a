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

  const initiate = () =>
    fetch(`${server.baseUrl}/api/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        vendorId: crypto.randomUUID(),
        amount: '12.50',
        channel: 'WEB',
        simulation: { webhook: { delayMs: 3_600_000 } },
      }),
    });

  /** Sets (or resets, with null) a setting of the server's database for new sessions, and ends the sessions it has. */
  const setForNewSessions = async (setting: 'default_transaction_read_only', value: 'on' | null) => {
    const name = sql.id(databaseName);
    await (value === null
      ? sql`alter database ${name} reset ${sql.raw(setting)}`
      : sql`alter database ${name} set ${sql.raw(setting)} = ${sql.raw(value)}`
    ).execute(admin.db);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${databaseName}`.execute(admin.db);
  };

  /**
   * Initiates every 100 ms, for at most 15 s, until `done` says so of an answer other than the
   * reconnecting server's "unreachable" 503; answers every status seen and the last response.
   */
  const initiateUntil = async (done: (response: Response, detail: string) => boolean) => {
    const statuses: number[] = [];
    const deadline = Date.now() + 15_000;
    for (;;) {
      const last = await initiate();
      statuses.push(last.status);
      const detail = last.status === 503 ? (((await last.clone().json()) as { detail?: string }).detail ?? '') : '';
      if (done(last, detail) || Date.now() > deadline) return { statuses, last };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /** The database's own refusal answered (or anything but a 503). */
  const refused = (response: Response, detail: string) => response.status !== 503 || /cannot take this request/.test(detail);
  /** Served again (or anything but a 503). */
  const served = (response: Response) => response.status !== 503;

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
    const readOnly = await initiateUntil(refused);
    expect(readOnly.statuses.every((status) => status === 503)).toBe(true);
    expect(readOnly.last.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(readOnly.last.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(((await readOnly.last.json()) as { detail: string }).detail).toMatch(/read-only/);
    const read = await fetch(`${server.baseUrl}/api/transactions/${id}`);
    expect(read.status).toBe(200);

    await setForNewSessions('default_transaction_read_only', null);
    const { last, statuses } = await initiateUntil(served);
    expect(last.status).toBe(201);
    expect(statuses.filter((status) => status !== 503 && status !== 201)).toEqual([]);
  });
});
