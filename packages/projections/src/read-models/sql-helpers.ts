import { sql, type RawBuilder } from 'kysely';

/** A table of a generation's schema, qualified for raw SQL. */
export function tableIn(schema: string, table: string): RawBuilder<unknown> {
  return sql.id(schema, table) as unknown as RawBuilder<unknown>;
}
