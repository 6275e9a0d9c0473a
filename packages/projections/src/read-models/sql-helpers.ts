import { sql, type RawBuilder } from 'kysely';

/** A table of a generation's schema, qualified for raw SQL. */
export function tableIn(schema: string, table: string): RawBuilder<unknown> {
  return sql.id(schema, table) as unknown as RawBuilder<unknown>;
}

/** Rows as one json parameter, for `json_to_recordset`: one statement and one parameter, whatever the batch size. */
export function jsonRows(rows: readonly object[]): RawBuilder<unknown> {
  return sql`${JSON.stringify(rows)}::json`;
}
