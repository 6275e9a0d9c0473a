import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testRedisUrl } from '../src/index.ts';
import { connect } from 'node:net';

describe('test services', () => {
  const databases: Array<{ drop(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(databases.map((db) => db.drop()));
  });

  it('gives each caller its own empty PostgreSQL database', async () => {
    const [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    databases.push(first!, second!);
    expect(first!.name).not.toBe(second!.name);
    const client = new pg.Client({ connectionString: first!.url });
    await client.connect();
    const { rows } = await client.query<{ db: string; version: string }>(
      "select current_database() as db, current_setting('server_version_num') as version",
    );
    await client.end();
    expect(rows[0]!.db).toBe(first!.name);
    expect(Number(rows[0]!.version)).toBeGreaterThanOrEqual(140000);
  });

  it('gives a Redis that answers PING', async () => {
    const url = new URL(testRedisUrl());
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.once('error', reject);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
      socket.write('PING\r\n');
    });
    expect(reply).toBe('+PONG\r\n');
  });
});
