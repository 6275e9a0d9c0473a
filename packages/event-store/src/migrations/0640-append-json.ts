import { sql, type Kysely, type Migration } from 'kysely';

/**
 * tt_append_json: tt_append with the events as one JSON array, and the new streams created by one
 * statement. A group commit appends to dozens of streams, most of them new (each initiate brings
 * its transaction's stream and its webhook's): tt_append took them one INSERT at a time, and its
 * events as text arrays, which the client escaped character by character and PostgreSQL parsed
 * twice (the array literal, then each element as jsonb). Here the client joins the events' JSON it
 * has serialised already, PostgreSQL parses it once, and the new streams go in together.
 *
 * Same answers as tt_append: the rows it appended, or TTE01 naming the first stream (in the order
 * given) whose expected version does not hold, with its actual version.
 */
const appendJsonFunction = `
create function tt_append_json(p_stream_ids text[], p_expected text[], p_counts int[], p_events jsonb)
returns table (event_id uuid, stream_id text, stream_version bigint, tx_id xid8, seq bigint, recorded_at timestamptz)
language plpgsql as $fn$
#variable_conflict use_column
declare
  v_count int := coalesce(array_length(p_stream_ids, 1), 0);
  v_bases bigint[] := array_fill(null::bigint, array[v_count]);
  v_base bigint;
  v_actual bigint;
  v_expected text;
  v_failed int;
  v_new_failed int;
  v_inserted text[];
begin
  -- Existing streams (and "any"), one at a time under their row locks; the first mismatch is kept.
  for i in 1 .. v_count loop
    v_expected := p_expected[i];
    if v_expected = 'no_stream' or v_expected = '0' then continue; end if;
    v_base := null;
    if v_expected = 'any' then
      insert into tt_streams as t (stream_id, version) values (p_stream_ids[i], p_counts[i])
        on conflict (stream_id) do update set version = t.version + excluded.version
        returning t.version - p_counts[i] into v_base;
    elsif v_expected = 'stream_exists' then
      update tt_streams t set version = t.version + p_counts[i] where t.stream_id = p_stream_ids[i]
        returning t.version - p_counts[i] into v_base;
    else
      update tt_streams t set version = t.version + p_counts[i]
       where t.stream_id = p_stream_ids[i] and t.version = v_expected::bigint
        returning t.version - p_counts[i] into v_base;
    end if;
    if v_base is null then
      v_failed := i;
      exit;
    end if;
    v_bases[i] := v_base;
  end loop;

  -- New streams (before any failed one), together: each is new when its row goes in, and one that
  -- exists already is a mismatch; the first such, in the order given, is the one reported.
  with inserted as (
    insert into tt_streams (stream_id, version)
    select p_stream_ids[i], p_counts[i]
      from generate_subscripts(p_stream_ids, 1) as i
     where p_expected[i] in ('no_stream', '0') and (v_failed is null or i < v_failed)
     order by i
    on conflict do nothing
    returning stream_id)
  select coalesce(array_agg(stream_id), '{}') into v_inserted from inserted;
  select min(i) into v_new_failed
    from generate_subscripts(p_stream_ids, 1) as i
   where p_expected[i] in ('no_stream', '0') and (v_failed is null or i < v_failed)
     and not (p_stream_ids[i] = any(v_inserted));
  v_failed := coalesce(v_new_failed, v_failed);

  if v_failed is not null then
    select t.version into v_actual from tt_streams t where t.stream_id = p_stream_ids[v_failed];
    raise exception 'tt_wrong_expected_version:%', json_build_object(
      'streamId', p_stream_ids[v_failed], 'expected', p_expected[v_failed], 'actual', v_actual)
      using errcode = 'TTE01';
  end if;

  return query
    insert into tt_events as e (stream_id, stream_version, event_id, type, schema_version, data, metadata)
    select p_stream_ids[u.stream + 1],
           coalesce(v_bases[u.stream + 1], 0) + row_number() over (partition by u.stream order by u.ord),
           u.event_id, u.type, u.schema_version, coalesce(u.data, 'null'::jsonb), u.metadata
      from rows from (jsonb_to_recordset(p_events)
                      as (stream int, event_id uuid, type text, schema_version int, data jsonb, metadata jsonb))
           with ordinality as u(stream, event_id, type, schema_version, data, metadata, ord)
     order by u.ord
    returning e.event_id, e.stream_id, e.stream_version, e.tx_id, e.seq, e.recorded_at;
end
$fn$`;

export const appendJsonMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw(appendJsonFunction).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop function if exists tt_append_json(text[], text[], int[], jsonb)`.execute(db);
  },
};
