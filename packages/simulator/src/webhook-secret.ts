import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import type { SimulatorTables } from './tables.ts';
import type { Queryable } from '@tracktrove/event-store';

/**
 * tt_webhook_secret: the key that signs and verifies the simulated gateway's webhooks when
 * WEBHOOK_SECRET is not set. One row, made once per database with 32 random bytes: it is kept with
 * the data (the PGlite data directory, or the PostgreSQL database), so every process on the same
 * data, a server or the CLI, signs and verifies with the same key, and no key is ever in the source.
 */
export const webhookSecretMigrations: Record<string, Migration> = {
  '0570-webhook-secret': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_webhook_secret (
          id int primary key check (id = 1),
          secret text not null,
          created_at timestamptz not null default now()
        )`.execute(db);
    },
  },
};

/** Random bytes in the secret: an HMAC-SHA256 key as long as its output. */
const secretBytes = 32;

/**
 * The database's webhook secret, made on first use. Two processes that start at once on one
 * database both end up with the first one's (the insert that loses changes nothing).
 */
export async function loadOrCreateWebhookSecret<DB extends SimulatorTables>(db: Queryable<DB>): Promise<string> {
  await sql`insert into tt_webhook_secret (id, secret) values (1, ${randomBytes(secretBytes).toString('base64url')}) on conflict (id) do nothing`.execute(
    db,
  );
  const stored = await sql<{ secret: string }>`select secret from tt_webhook_secret where id = 1`.execute(db);
  const secret = stored.rows[0]?.secret;
  if (!secret) throw new Error('tt_webhook_secret has no row after it was made');
  return secret;
}
