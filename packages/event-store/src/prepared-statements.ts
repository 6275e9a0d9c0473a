import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Statements whose text starts with this comment run as named prepared statements on PostgreSQL:
 * each connection parses and plans them once. For the store's hot statements planning costs more
 * than executing (a one-event append planned every time runs at about two thirds of the rate).
 * Only statements of fixed text may carry it: every distinct text is one statement per connection.
 */
export const preparedMarker = '/* tt:prepared */';

/** Distinct marked texts a process prepares; past it, marked statements run unprepared. */
const maxPreparedTexts = 256;

const names = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < maxPreparedTexts) {
    name = `tt_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

type Query = (...args: unknown[]) => unknown;

/**
 * Makes a pooled client run marked statements as named prepared statements. kysely's driver
 * calls `client.query(text, values)`; the marked ones become `client.query({ name, text, values })`.
 */
export function prepareMarkedStatements(client: pg.PoolClient | pg.Client): void {
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && text.startsWith(preparedMarker) && Array.isArray(values)) {
      const name = statementName(text);
      if (name) return query({ name, text, values }, ...args.slice(2));
    }
    return query(...args);
  };
}
