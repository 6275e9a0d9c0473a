import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The event log. Global order is (tx_id, seq): tx_id is the writing transaction's id, and a
 * reader only reads rows whose tx_id is below the oldest transaction still in progress
 * (pg_snapshot_xmin), so a transaction that took an earlier seq but commits later can never be
 * skipped by a reader that resumes from its last position.
 */
export const eventStoreMigration: Migration = {
  async up(db: Kysely<unknown>) {
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
        constraint tt_events_stream_version_key unique (stream_id, stream_version),
        constraint tt_events_event_id_key unique (event_id)
      )`.execute(db);
    await sql`create index tt_events_global_order on tt_events (tx_id, seq)`.execute(db);
    await sql`
      create table tt_streams (
        stream_id text primary key,
        version bigint not null check (version >= 0)
      )`.execute(db);
    await sql`
      create table tt_checkpoints (
        name text primary key,
        tx_id xid8 not null,
        seq bigint not null,
        updated_at timestamptz not null default now()
      )`.execute(db);
    await sql.raw(appendFunction).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop function if exists tt_append(text[], text[], int[], int[], uuid[], text[], int[], text[], text[])`.execute(db);
    await sql`drop table if exists tt_checkpoints, tt_streams, tt_events`.execute(db);
  },
};

/**
 * tt_append appends to one or several streams atomically, in one round trip and one statement per
 * stream. Streams: ids, expected versions ("any", "no_stream", "stream_exists" or a number) and how
 * many events each gets. Events: columns as parallel arrays, `stream` indexing into the streams.
 * A version mismatch raises TTE01 with a JSON message the client parses. It sends no NOTIFY: a
 * notifying transaction holds a database-wide lock through its commit's flush, which would make
 * concurrent appends commit one at a time; the client notifies after commit instead.
 */
const appendFunction = `
create function tt_append(
  p_stream_ids text[], p_expected text[], p_counts int[],
  p_streams int[], p_event_ids uuid[], p_types text[], p_schema_versions int[], p_data text[], p_metadata text[])
returns table (event_id uuid, stream_id text, stream_version bigint, tx_id xid8, seq bigint, recorded_at timestamptz)
language plpgsql as $fn$
#variable_conflict use_column
declare
  v_bases bigint[] := '{}';
  v_base bigint;
  v_actual bigint;
  v_expected text;
  v_count int;
begin
  for i in 1 .. coalesce(array_length(p_stream_ids, 1), 0) loop
    v_expected := p_expected[i];
    v_count := p_counts[i];
    v_base := null;
    if v_expected = 'any' then
      insert into tt_streams as t (stream_id, version) values (p_stream_ids[i], v_count)
        on conflict (stream_id) do update set version = t.version + excluded.version
        returning t.version - v_count into v_base;
    elsif v_expected = 'no_stream' or v_expected = '0' then
      insert into tt_streams (stream_id, version) values (p_stream_ids[i], v_count) on conflict do nothing;
      if found then v_base := 0; end if;
    elsif v_expected = 'stream_exists' then
      update tt_streams t set version = t.version + v_count where t.stream_id = p_stream_ids[i]
        returning t.version - v_count into v_base;
    else
      update tt_streams t set version = t.version + v_count
       where t.stream_id = p_stream_ids[i] and t.version = v_expected::bigint
        returning t.version - v_count into v_base;
    end if;
    if v_base is null then
      select t.version into v_actual from tt_streams t where t.stream_id = p_stream_ids[i];
      raise exception 'tt_wrong_expected_version:%', json_build_object(
        'streamId', p_stream_ids[i], 'expected', v_expected, 'actual', v_actual)
        using errcode = 'TTE01';
    end if;
    v_bases := v_bases || v_base;
  end loop;

  return query
    insert into tt_events as e (stream_id, stream_version, event_id, type, schema_version, data, metadata)
    select p_stream_ids[u.stream + 1],
           v_bases[u.stream + 1] + row_number() over (partition by u.stream order by u.ord),
           u.event_id, u.type, u.schema_version, u.data::jsonb, u.metadata::jsonb
      from unnest(p_streams, p_event_ids, p_types, p_schema_versions, p_data, p_metadata)
           with ordinality as u(stream, event_id, type, schema_version, data, metadata, ord)
     order by u.ord
    returning e.event_id, e.stream_id, e.stream_version, e.tx_id, e.seq, e.recorded_at;
end
$fn$`;
