import { sql, type Kysely, type Migration } from 'kysely';
import { eventPartitionDefaults } from '../event-partitions.ts';

/**
 * tt_events becomes a table range-partitioned by tx_id, the writing transaction's id, which only
 * grows: appends land in the newest partition, global reads from a position prune to the
 * partitions at and after it, and an old partition can be detached whole.
 *
 * PostgreSQL refuses a unique constraint on a partitioned table that leaves out the partition key,
 * so the two the store relies on, one event id once and one event per stream version, move to
 * tt_event_keys, an unpartitioned table of (event_id, stream_id, stream_version) that a statement
 * trigger fills from every insert into tt_events, in the same statement: an append that breaks
 * either fails whole, with the constraint names it had before (tt_events_event_id_key,
 * tt_events_stream_version_key). Positions (tx_id, seq) do not change.
 *
 * An existing database is converted in this migration's transaction: the rows are copied, in log
 * order and with their positions, into the first partition, which covers every transaction id up
 * to the next partition boundary; the old table is dropped.
 */
export const partitionedEventsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`alter table tt_events rename to tt_events_unpartitioned`.execute(db);
    await sql`alter table tt_events_unpartitioned rename constraint tt_events_pkey to tt_events_unpartitioned_pkey`.execute(db);
    await sql`alter table tt_events_unpartitioned rename constraint tt_events_stream_version_key to tt_events_unpartitioned_stream_version_key`.execute(
      db,
    );
    await sql`alter table tt_events_unpartitioned rename constraint tt_events_event_id_key to tt_events_unpartitioned_event_id_key`.execute(
      db,
    );
    await sql`alter index tt_events_global_order rename to tt_events_unpartitioned_global_order`.execute(db);
    await renameIdentitySequence(db, 'tt_events_unpartitioned', 'tt_events_unpartitioned_seq_seq');
    await sql`
      create table tt_events (
        seq bigint generated always as identity,
        tx_id xid8 not null default pg_current_xact_id(),
        stream_id text not null,
        stream_version bigint not null check (stream_version >= 1),
        event_id uuid not null,
        type text not null,
        schema_version integer not null check (schema_version >= 1),
        data jsonb not null,
        metadata jsonb not null,
        recorded_at timestamptz not null default now(),
        constraint tt_events_pkey primary key (tx_id, seq)
      ) partition by range (tx_id)`.execute(db);
    await sql`create index tt_events_stream on tt_events (stream_id, stream_version)`.execute(db);
    await sql`
      create table tt_event_keys (
        event_id uuid not null,
        stream_id text not null,
        stream_version bigint not null,
        constraint tt_events_event_id_key primary key (event_id),
        constraint tt_events_stream_version_key unique (stream_id, stream_version)
      )`.execute(db);
    await sql.raw(recordKeysFunction).execute(db);
    await sql`
      create trigger tt_events_record_keys after insert on tt_events
        referencing new table as tt_new_events
        for each statement execute function tt_events_record_keys()`.execute(db);
    await sql.raw(ensurePartitionsFunction).execute(db);
    await sql`select tt_ensure_event_partitions(${eventPartitionDefaults.spanXids}::bigint, ${eventPartitionDefaults.aheadXids}::bigint)`.execute(
      db,
    );
    await sql`
      insert into tt_events (seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at)
        overriding system value
        select seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at
          from tt_events_unpartitioned order by tx_id, seq`.execute(db);
    await sql`
      select setval(pg_get_serial_sequence('tt_events', 'seq'), last_value, is_called)
        from tt_events_unpartitioned_seq_seq`.execute(db);
    await sql`drop table tt_events_unpartitioned`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`alter table tt_events rename to tt_events_partitioned`.execute(db);
    await sql`alter table tt_events_partitioned rename constraint tt_events_pkey to tt_events_partitioned_pkey`.execute(db);
    await renameIdentitySequence(db, 'tt_events_partitioned', 'tt_events_partitioned_seq_seq');
    await sql`
      create table tt_events (
        seq bigint generated always as identity primary key,
        tx_id xid8 not null default pg_current_xact_id(),
        stream_id text not null,
        stream_version bigint not null check (stream_version >= 1),
        event_id uuid not null,
        type text not null,
        schema_version integer not null check (schema_version >= 1),
        data jsonb not null,
        metadata jsonb not null,
        recorded_at timestamptz not null default now(),
        constraint tt_events_unpartitioned_stream_version_key unique (stream_id, stream_version),
        constraint tt_events_unpartitioned_event_id_key unique (event_id)
      )`.execute(db);
    await sql`
      insert into tt_events (seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at)
        overriding system value
        select seq, tx_id, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at
          from tt_events_partitioned order by tx_id, seq`.execute(db);
    await sql`select setval(pg_get_serial_sequence('tt_events', 'seq'), (select coalesce(max(seq), 0) + 1 from tt_events), false)`.execute(
      db,
    );
    await sql`drop table tt_events_partitioned, tt_event_keys`.execute(db);
    await sql`drop function tt_events_record_keys(), tt_ensure_event_partitions(bigint, bigint)`.execute(db);
    await sql`alter table tt_events rename constraint tt_events_unpartitioned_stream_version_key to tt_events_stream_version_key`.execute(
      db,
    );
    await sql`alter table tt_events rename constraint tt_events_unpartitioned_event_id_key to tt_events_event_id_key`.execute(db);
    await sql`create index tt_events_global_order on tt_events (tx_id, seq)`.execute(db);
  },
};

/** Renames a table's seq identity sequence (whatever its name), so the new tt_events can take its own. */
async function renameIdentitySequence(db: Kysely<unknown>, table: string, name: string): Promise<void> {
  const { rows } = await sql<{ sequence: string }>`select pg_get_serial_sequence(${table}, 'seq') as sequence`.execute(db);
  await sql`alter sequence ${sql.raw(rows[0]!.sequence)} rename to ${sql.id(name)}`.execute(db);
}

/** The statement trigger's function: the inserted rows' keys, checked unique across partitions. */
const recordKeysFunction = `
create function tt_events_record_keys() returns trigger language plpgsql as $fn$
begin
  insert into tt_event_keys (event_id, stream_id, stream_version)
    select event_id, stream_id, stream_version from tt_new_events;
  return null;
end
$fn$`;

/**
 * tt_ensure_event_partitions(span, ahead) creates partitions of tt_events, span transaction ids
 * each and contiguous, until the next transaction id plus ahead has one. The first covers every
 * id from 0 to the first multiple of span past the next id: all rows written so far. A partition
 * is created as a plain table and attached, which locks tt_events only against other DDL
 * (SHARE UPDATE EXCLUSIVE), never against appends or reads. Returns how many it created; callers
 * in several processes are serialised by an advisory lock.
 */
const ensurePartitionsFunction = `
create function tt_ensure_event_partitions(p_span_xids bigint, p_ahead_xids bigint) returns integer
language plpgsql as $fn$
declare
  v_next bigint := pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
  v_target bigint;
  v_upper bigint;
  v_lower bigint;
  v_name text;
  v_created integer := 0;
begin
  if p_span_xids is null or p_span_xids < 1 or p_ahead_xids is null or p_ahead_xids < 0 then
    raise exception 'tt_ensure_event_partitions: span must be >= 1 and ahead >= 0, got % and %', p_span_xids, p_ahead_xids;
  end if;
  perform pg_advisory_xact_lock(7406110021);
  v_target := v_next + p_ahead_xids;
  select max((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''(\\d+)''\\)'))[1]::bigint)
    into v_upper
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
   where i.inhparent = 'tt_events'::regclass;
  while v_upper is null or v_upper <= v_target loop
    v_lower := coalesce(v_upper, 0);
    v_upper := case when v_upper is null then (v_next / p_span_xids + 1) * p_span_xids else v_upper + p_span_xids end;
    v_name := format('tt_events_%s', lpad(v_lower::text, 20, '0'));
    execute format('create table %I (like tt_events including defaults including constraints)', v_name);
    execute format('alter table tt_events attach partition %I for values from (%L) to (%L)', v_name, v_lower, v_upper);
    v_created := v_created + 1;
  end loop;
  return v_created;
end
$fn$`;
