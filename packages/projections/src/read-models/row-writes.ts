import { sql } from 'kysely';
import type { ProjectionContext } from '../projection.ts';
import { tableIn } from './sql-helpers.ts';

/** The column types rows are written with (what json_to_recordset casts each value to). */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'timestamptz' | 'jsonb';

/** A table's columns in the order of each row's values. */
export type Columns = readonly (readonly [name: string, type: ColumnType])[];

/**
 * Rows encoded for one append: COPY's text format (a rebuild on PostgreSQL) or one json parameter
 * for `json_to_recordset` (PGlite). Encoded while a batch is folded, so that the write itself only
 * moves bytes.
 */
export type EncodedRows =
  | { readonly format: 'copy'; readonly table: string; readonly columns: Columns; readonly text: Buffer; readonly rowCount: number }
  | { readonly format: 'json'; readonly table: string; readonly columns: Columns; readonly json: string; readonly rowCount: number };

export function encodeRows(
  format: EncodedRows['format'],
  table: string,
  columns: Columns,
  rows: readonly (readonly unknown[])[],
): EncodedRows {
  const encoder = rowEncoder(format, table, columns);
  for (const row of rows) encoder.add(row);
  return encoder.finish();
}

/**
 * Encodes rows one at a time, as a batch is folded: the row arrays die young instead of being held
 * (and copied by every young-generation collection) until the whole batch is encoded.
 */
export interface RowEncoder {
  add(row: readonly unknown[]): void;
  finish(): EncodedRows;
}

export function rowEncoder(format: EncodedRows['format'], table: string, columns: Columns): RowEncoder {
  if (format === 'copy') {
    const text = new CopyTextBuffer();
    const fields: string[] = new Array<string>(columns.length);
    let rowCount = 0;
    return {
      add(row) {
        for (let index = 0; index < columns.length; index += 1) fields[index] = copyValue(row[index], columns[index]![1]);
        text.writeLine(fields.join('\t'));
        rowCount += 1;
      },
      finish: () => ({ format, table, columns, text: text.contents(), rowCount }),
    };
  }
  const records: Record<string, unknown>[] = [];
  return {
    add: (row) => void records.push(jsonRecord(columns, row)),
    finish: () => ({ format, table, columns, json: JSON.stringify(records), rowCount: records.length }),
  };
}

/** Rows as one json array of objects keyed by column name, for `json_to_recordset`. */
export function jsonRecords(columns: Columns, rows: readonly (readonly unknown[])[]): string {
  return JSON.stringify(rows.map((row) => jsonRecord(columns, row)));
}

function jsonRecord(columns: Columns, row: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let index = 0; index < columns.length; index += 1) record[columns[index]![0]] = row[index] ?? null;
  return record;
}

/** Appends encoded rows to `table` of the context's schema: COPY FROM STDIN, or one INSERT ... SELECT. */
export async function appendRows(context: ProjectionContext, rows: EncodedRows): Promise<void> {
  if (rows.rowCount === 0) return;
  const names = rows.columns.map(([name]) => name);
  if (rows.format === 'copy') {
    if (!context.copyFrom) throw new Error(`rows for ${rows.table} were encoded for COPY, which this context does not offer`);
    const columnList = names.map((name) => quoteIdentifier(name)).join(', ');
    await context.copyFrom(`copy ${quoteIdentifier(context.schema)}.${quoteIdentifier(rows.table)} (${columnList}) from stdin`, rows.text);
    return;
  }
  const columnList = sql.join(names.map((name) => sql.id(name)));
  const recordType = sql.join(rows.columns.map(([name, type]) => sql`${sql.id(name)} ${sql.raw(type)}`));
  await sql`
    insert into ${tableIn(context.schema, rows.table)} (${columnList})
    select ${columnList} from json_to_recordset(${rows.json}::json) as r(${recordType})`.execute(context.transaction);
}

/** `items` in consecutive chunks of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** COPY's text format: tab-separated values, one line per row, \N for null, backslash escapes. */
const copySpecial = /[\\\n\r\t]/;
const copySpecials = /[\\\n\r\t]/g;
const copyEscapes: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function copyValue(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  if (type === 'jsonb') {
    // JSON text has no raw newline, carriage return or tab (JSON.stringify escapes them), so only
    // backslashes need escaping: a search for one is cheaper than the regular expression on ~1 KB states.
    const json = JSON.stringify(value);
    return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
  }
  const raw = value instanceof Date ? value.toISOString() : String(value);
  return copySpecial.test(raw) ? raw.replace(copySpecials, (special) => copyEscapes[special]!) : raw;
}

/**
 * A growing byte buffer (doubling, from 64 KiB): each line is encoded once, straight into it
 * (concatenating the whole text first allocated several times its size).
 */
class CopyTextBuffer {
  #bytes = Buffer.allocUnsafe(64 * 1024);
  #length = 0;

  /** Writes `line` and a newline. */
  writeLine(line: string): void {
    this.#reserve(line.length * 3 + 1);
    this.#length += this.#bytes.write(line, this.#length, 'utf8');
    this.#bytes[this.#length] = 0x0a;
    this.#length += 1;
  }

  contents(): Buffer {
    return this.#bytes.subarray(0, this.#length);
  }

  #reserve(byteCount: number): void {
    if (this.#length + byteCount <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#length + byteCount) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#bytes.copy(grown, 0, 0, this.#length);
    this.#bytes = grown;
  }
}
