import { sql, type Migration } from 'kysely';

/**
 * The simulator's part of a command's one-statement append (tt_apply_effects calls it): the
 * gateway's webhook deliveries the transition planned. A second delivery with the same ref is an
 * error: the plan is made from the transition, so it cannot happen unless a bug made it.
 */
const planDeliveriesFunction = `
create or replace function tt_plan_gateway_deliveries(p_deliveries jsonb) returns void
language plpgsql as $fn$
begin
  insert into tt_webhook_deliveries (delivery_id, ref, webhook_id, transaction_id, type, body, url, injection, status, due_at, created_at, traceparent)
  select d."deliveryId", d.ref, d."webhookId", d."transactionId", d.type, d.body, d.url, d.injection, 'scheduled', d."dueAt", d."createdAt", d.traceparent
    from jsonb_to_recordset(p_deliveries) as d("deliveryId" uuid, ref text, "webhookId" text, "transactionId" text,
         type text, body text, url text, injection jsonb, "dueAt" timestamptz, "createdAt" timestamptz, traceparent text);
end
$fn$`;

export const deliveryEffectMigrations: Record<string, Migration> = {
  '0632-gateway-delivery-effects': {
    async up(db) {
      await sql.raw(planDeliveriesFunction).execute(db);
    },
    async down(db) {
      await sql`drop function if exists tt_plan_gateway_deliveries(jsonb)`.execute(db);
    },
  },
};
