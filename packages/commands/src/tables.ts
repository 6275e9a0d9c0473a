import type { DefaultedColumn } from '@tracktrove/event-store';

/** tt_idempotency: a command's stored result by its idempotency key, with the request's hash. */
export type IdempotencyTable = {
  key: string;
  request_hash: string;
  result: unknown;
  created_at: DefaultedColumn<Date>;
};

/** The tables the commands package owns (migrations.ts), as kysely sees them. */
export type CommandTables = {
  tt_idempotency: IdempotencyTable;
};
