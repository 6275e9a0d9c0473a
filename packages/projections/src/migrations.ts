import { sql, type Kysely, type Migration } from 'kysely';

export const projectionMigrations: Record<string, Migration> = {
  '0200-projections': {
    async up(db: Kysely<unknown>) {
      await sql`
        create table tt_projections (
          name text primary key,
          generation integer not null,
          schema_name text not null,
          rebuilding_generation integer,
          updated_at timestamptz not null default now()
        )`.execute(db);
    },
  },
};
