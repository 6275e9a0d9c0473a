import { sql, type Migration } from 'kysely';

/**
 * The timers' part of a command's one-statement append (tt_apply_effects calls them): cancelling
 * a transaction's pending timers of a kind, and scheduling new ones.
 *
 * tt_cancel_timers(cancels) answers the ids of the hold timers it cancelled; one update per cancel,
 * by the pending-timer index on (transaction_id, kind): joined to a recordset instead, the planner
 * expected 100 rows and scanned the whole table.
 * tt_schedule_timers(timers) answers the timers it made (an existing (kind, ref) is kept).
 */
const timerEffectFunctions = [
  `
create or replace function tt_cancel_timers(p_cancels jsonb) returns jsonb
language plpgsql as $fn$
declare
  v_cancelled_holds jsonb := '[]'::jsonb;
  v_cancel record;
begin
  for v_cancel in select * from jsonb_to_recordset(p_cancels) as c("transactionId" text, kind text, "keepRef" text) loop
    with cancelled as (
      update tt_timers t set state = 'cancelled'
       where t.transaction_id = v_cancel."transactionId" and t.kind = v_cancel.kind and t.state = 'pending'
         and t.ref is distinct from v_cancel."keepRef"
      returning t.id, t.kind)
    select v_cancelled_holds || coalesce(jsonb_agg(id) filter (where kind = 'hold_expiry'), '[]'::jsonb) into v_cancelled_holds from cancelled;
  end loop;
  return v_cancelled_holds;
end
$fn$`,
  `
create or replace function tt_schedule_timers(p_timers jsonb) returns jsonb
language plpgsql as $fn$
declare
  v_timers jsonb;
begin
  with scheduled as (
    insert into tt_timers (id, kind, transaction_id, ref, due_at, payload)
    select s.id, s.kind, s."transactionId", s.ref, s."dueAt", coalesce(s.payload, '{}'::jsonb)
      from jsonb_to_recordset(p_timers) as s(id uuid, kind text, "transactionId" text, ref text, "dueAt" timestamptz, payload jsonb)
    on conflict (kind, ref) do nothing
    returning id, kind, transaction_id, ref, due_at, payload)
  select coalesce(jsonb_agg(jsonb_build_object('id', id, 'kind', kind, 'transactionId', transaction_id, 'ref', ref, 'dueAt', due_at, 'payload', payload)), '[]'::jsonb)
    into v_timers from scheduled;
  return v_timers;
end
$fn$`,
];

export const timerEffectMigrations: Record<string, Migration> = {
  '0631-timer-effects': {
    async up(db) {
      for (const statement of timerEffectFunctions) await sql.raw(statement).execute(db);
    },
    async down(db) {
      await sql`drop function if exists tt_cancel_timers(jsonb), tt_schedule_timers(jsonb)`.execute(db);
    },
  },
};
