import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import { preparedMarker, prepareMarkedStatements } from '../src/prepared-statements.ts';

describe('marked statements', () => {
  let database: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    prepareMarkedStatements(client);
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  const prepared = async () =>
    (await client.query<{ statement: string }>('select statement from pg_prepared_statements order by statement')).rows.map(
      (row) => row.statement,
    );

  it('run as one named prepared statement per text on a connection; unmarked ones are not prepared', async () => {
    const marked = `${preparedMarker} select $1::int + 1 as n`;
    expect((await client.query(marked, [1])).rows).toEqual([{ n: 2 }]);
    expect((await client.query(marked, [41])).rows).toEqual([{ n: 42 }]);
    await client.query('select $1::int as plain', [1]);
    expect(await prepared()).toEqual([marked]);
  });
});
