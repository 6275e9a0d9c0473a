import { sql, type Kysely, type Migration } from 'kysely';

export const commandMigrations: Record<string, Migration> = {
  '0100-idempotency': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_idempotency (
          key text primary key,
          request_hash text not null,
          result jsonb not null,
          created_at timestamptz not null default now()
        )`.execute(db);
      await sql`create index tt_idempotency_created_at on tt_idempotency (created_at)`.execute(db);
    },
  },
};
