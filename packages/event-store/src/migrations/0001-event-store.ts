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
    await sql`drop function if exists tt_append(jsonb, jsonb)`.execute(db);
    await sql`drop table if exists tt_checkpoints, tt_streams, tt_events`.execute(db);
  },
};

/**
 * tt_append(streams, events) appends to one or several streams atomically, in one round trip.
 * streams: [{ "streamId", "expected" }] where expected is "any", "no_stream", "stream_exists" or
 * a version number. events: [{ "stream" (index into streams), "eventId", "type", "schemaVersion",
 * "data", "metadata" }]. When every event id is already stored with the same stream, type,
 * schema version and data, it returns the stored rows (existing = true) and appends nothing.
 * Errors are raised with a JSON message behind a fixed prefix, which the client parses.
 */
const appendFunction = `
create function tt_append(p_streams jsonb, p_events jsonb)
returns table (event_id uuid, stream_id text, stream_version bigint, tx_id xid8, seq bigint, recorded_at timestamptz, existing boolean)
language plpgsql as $fn$
declare
  v_event_count integer := jsonb_array_length(p_events);
  v_existing integer;
  v_matching integer;
  v_stream record;
  v_current bigint;
  v_found boolean;
  v_bases bigint[] := '{}';
begin
  select count(e.event_id),
         count(e.event_id) filter (
           where e.stream_id = (p_streams -> ((j.value ->> 'stream')::int)) ->> 'streamId'
             and e.type = j.value ->> 'type'
             and e.schema_version = (j.value ->> 'schemaVersion')::int
             and e.data = j.value -> 'data')
    into v_existing, v_matching
    from jsonb_array_elements(p_events) as j(value)
    join tt_events e on e.event_id = (j.value ->> 'eventId')::uuid;
  if v_existing > 0 then
    if v_existing = v_event_count and v_matching = v_event_count then
      return query
        select e.event_id, e.stream_id, e.stream_version, e.tx_id, e.seq, e.recorded_at, true
          from jsonb_array_elements(p_events) with ordinality as j(value, ord)
          join tt_events e on e.event_id = (j.value ->> 'eventId')::uuid
         order by j.ord;
      return;
    end if;
    raise exception 'tt_event_id_conflict:%', json_build_object(
      'eventIds', (select json_agg(e.event_id) from jsonb_array_elements(p_events) as j(value)
                     join tt_events e on e.event_id = (j.value ->> 'eventId')::uuid),
      'existing', v_existing, 'matching', v_matching, 'requested', v_event_count)
      using errcode = 'TTE02';
  end if;

  for v_stream in select value as s, ordinality - 1 as idx from jsonb_array_elements(p_streams) with ordinality loop
    select t.version into v_current from tt_streams t where t.stream_id = v_stream.s ->> 'streamId' for update;
    v_found := found;
    if not v_found then
      insert into tt_streams as t (stream_id, version) values (v_stream.s ->> 'streamId', 0) on conflict do nothing;
      if not found then
        select t.version into v_current from tt_streams t where t.stream_id = v_stream.s ->> 'streamId' for update;
        v_found := true;
      else
        v_current := 0;
      end if;
    end if;
    if (v_stream.s ->> 'expected' = 'no_stream' and v_found)
       or (v_stream.s ->> 'expected' = 'stream_exists' and not v_found)
       or (v_stream.s ->> 'expected' not in ('any', 'no_stream', 'stream_exists')
           and (v_stream.s ->> 'expected')::bigint <> v_current) then
      raise exception 'tt_wrong_expected_version:%', json_build_object(
        'streamId', v_stream.s ->> 'streamId', 'expected', v_stream.s ->> 'expected',
        'actual', case when v_found then v_current else null end)
        using errcode = 'TTE01';
    end if;
    v_bases := v_bases || v_current;
  end loop;

  return query
    with incoming as (
      select (j.value ->> 'stream')::int as stream, j.ord, j.value
        from jsonb_array_elements(p_events) with ordinality as j(value, ord)
    ), numbered as (
      select i.*, v_bases[i.stream + 1] + row_number() over (partition by i.stream order by i.ord) as version
        from incoming i
    ), inserted as (
      insert into tt_events as e (stream_id, stream_version, event_id, type, schema_version, data, metadata)
      select (p_streams -> n.stream) ->> 'streamId', n.version, (n.value ->> 'eventId')::uuid,
             n.value ->> 'type', (n.value ->> 'schemaVersion')::int, n.value -> 'data', n.value -> 'metadata'
        from numbered n
       order by n.ord
      returning e.event_id, e.stream_id, e.stream_version, e.tx_id, e.seq, e.recorded_at
    ), bumped as (
      update tt_streams t set version = t.version + c.appended
        from (select stream, count(*) as appended from incoming group by stream) c
       where t.stream_id = (p_streams -> c.stream) ->> 'streamId'
    )
    select r.event_id, r.stream_id, r.stream_version, r.tx_id, r.seq, r.recorded_at, false from inserted r order by r.seq;
  perform pg_notify('tt_events', '');
end
$fn$`;
