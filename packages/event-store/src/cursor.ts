/**
 * Keyset paging over stored rows, shared by every list: a page is the rows after the last row of
 * the previous one in a stable order, and the cursor is that row's sort key, opaque to clients.
 */

/** A cursor that is not one this service handed out: a 400 naming the field. */
export class InvalidCursorError extends Error {
  readonly code = 'validation_failed';
  readonly errors = [{ path: 'cursor', message: 'not a cursor from a previous page' }];
  constructor() {
    super('cursor: not a cursor from a previous page');
    this.name = 'InvalidCursorError';
  }
}

/** Opaque cursors: base64url of the last item's sort key, a list of strings. */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key a cursor carries: `parts` strings, none holding a NUL (PostgreSQL text cannot), and
 * accepted by `isKey` when given, so that a forged cursor never reaches a query as a value the
 * database refuses (a 500) rather than as a bad cursor (a 400).
 */
export function decodeCursor(cursor: string, parts: number, isKey: (key: string[]) => boolean = () => true): string[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === parts &&
      key.every((part) => typeof part === 'string' && !part.includes('\u0000')) &&
      isKey(key as string[])
    )
      return key as string[];
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

export const maxPageSize = 500;
export const defaultPageSize = 50;

/** A limit between 1 and 500 (default 50). */
export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return defaultPageSize;
  if (!Number.isFinite(limit)) return defaultPageSize;
  return Math.min(maxPageSize, Math.max(1, Math.trunc(limit)));
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}
