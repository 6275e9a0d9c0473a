import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * Wraps a dialect so that every committed append is reported: an append outside a transaction
 * right after it returns, one inside a transaction after that transaction commits. The store
 * turns reports into wake-ups of local readers and a NOTIFY for other processes, sent after
 * commit: a NOTIFY inside the appending transaction would hold PostgreSQL's database-wide notify
 * lock through the commit's flush and make concurrent appends commit one at a time.
 */
export function notifyingDialect(inner: Dialect, onAppendCommitted: () => void): Dialect {
  return {
    createAdapter: (): DialectAdapter => inner.createAdapter(),
    createQueryCompiler: (): QueryCompiler => inner.createQueryCompiler(),
    createIntrospector: (db): DatabaseIntrospector => inner.createIntrospector(db),
    createDriver: (): Driver => new NotifyingDriver(inner.createDriver(), onAppendCommitted),
  };
}

/** tt_append_json(...) (or tt_append) appends to several streams, `insert into tt_events` to one (append-to-streams.ts). */
const appendCall = /\btt_append(_json)?\(|\binsert into tt_events\b/;

/** A savepoint's name as a quoted SQL identifier. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class ReportingConnection implements DatabaseConnection {
  inTransaction = false;
  appended = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly report: () => void,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.inner.executeQuery<R>(query);
    if (appendCall.test(query.sql)) {
      if (this.inTransaction) this.appended = true;
      else this.report();
    }
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class NotifyingDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly report: () => void,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ReportingConnection(await this.inner.acquireConnection(), this.report);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const reporting = connection as ReportingConnection;
    await this.inner.beginTransaction(reporting.inner, settings);
    reporting.inTransaction = true;
    reporting.appended = false;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const reporting = connection as ReportingConnection;
    await this.inner.commitTransaction(reporting.inner);
    const appended = reporting.appended;
    reporting.inTransaction = false;
    reporting.appended = false;
    if (appended) this.report();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const reporting = connection as ReportingConnection;
    reporting.inTransaction = false;
    reporting.appended = false;
    await this.inner.rollbackTransaction(reporting.inner);
  }

  // Savepoints as SQL on the connection, for both databases: kysely's PostgreSQL driver sends the
  // same statements, and PGlite's dialect has no savepoint methods (delegating to it made them
  // silent no-ops: a rollback to a savepoint kept what it should have undone).
  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as ReportingConnection).inner.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as ReportingConnection).inner.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await (connection as ReportingConnection).inner.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as ReportingConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
