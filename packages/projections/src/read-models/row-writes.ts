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

export function encodeRows(format: EncodedRows['format'], table: string, columns: Columns, rows: readonly (readonly unknown[])[]): EncodedRows {
  if (format === 'copy') return { format, table, columns, text: copyText(columns, rows), rowCount: rows.length };
  return { format, table, columns, json: jsonRecords(columns, rows), rowCount: rows.length };
}

/** Rows as one json array of objects keyed by column name, for `json_to_recordset`. */
export function jsonRecords(columns: Columns, rows: readonly (readonly unknown[])[]): string {
  const records = rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (let index = 0; index < columns.length; index += 1) record[columns[index]![0]] = row[index] ?? null;
    return record;
  });
  return JSON.stringify(records);
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

/**
 * Rows in COPY's text format (tab-separated, one line each, \N for null), each line encoded
 * straight into one buffer: concatenating the whole text first allocated several times its size.
 */
function copyText(columns: Columns, rows: readonly (readonly unknown[])[]): Buffer {
  const text = new CopyTextBuffer();
  const fields: string[] = new Array<string>(columns.length);
  for (const row of rows) {
    for (let index = 0; index < columns.length; index += 1) fields[index] = copyValue(row[index], columns[index]![1]);
    text.writeLine(fields.join('\t'));
  }
  return text.contents();
}

const copySpecial = /[\\\n\r\t]/;
const copySpecials = /[\\\n\r\t]/g;
const copyEscapes: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function copyValue(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  const raw = type === 'jsonb' ? JSON.stringify(value) : value instanceof Date ? value.toISOString() : String(value);
  return copySpecial.test(raw) ? raw.replace(copySpecials, (special) => copyEscapes[special]!) : raw;
}

/** A growing byte buffer (doubling, from 64 KiB): each value is encoded once, straight into it. */
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
