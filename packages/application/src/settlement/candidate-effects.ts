import { sql, type Migration } from 'kysely';

/**
 * Settlement's part of a command's one-statement append (tt_apply_effects calls it): a transaction
 * that completed becomes a candidate (with its completion time), one that left COMPLETED or has a
 * refund pending stops being one.
 */
const candidatesFunction = `
create or replace function tt_update_settlement_candidates(p_put jsonb, p_dropped jsonb) returns void
language plpgsql as $fn$
begin
  if jsonb_array_length(p_put) > 0 then
    insert into tt_settlement_candidates (transaction_id, vendor_id, currency, amount_minor, completed_at)
    select c."transactionId", c."vendorId", c.currency, c."amountMinor", c."completedAt"
      from jsonb_to_recordset(p_put) as c("transactionId" text, "vendorId" text, currency text, "amountMinor" bigint, "completedAt" timestamptz)
    on conflict (transaction_id) do update set completed_at = excluded.completed_at;
  end if;
  if jsonb_array_length(p_dropped) > 0 then
    -- An array, not a subquery: the primary key's index, whatever the table's size.
    delete from tt_settlement_candidates
     where transaction_id = any (array(select jsonb_array_elements_text(p_dropped)));
  end if;
end
$fn$`;

export const candidateEffectMigrations: Record<string, Migration> = {
  '0633-settlement-candidate-effects': {
    async up(db) {
      await sql.raw(candidatesFunction).execute(db);
    },
    async down(db) {
      await sql`drop function if exists tt_update_settlement_candidates(jsonb, jsonb)`.execute(db);
    },
  },
};
