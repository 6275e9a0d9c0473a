import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { buildMetadata, type Actor } from '@tracktrove/domain';
import { appendToStreams, type EventStoreTables, type Queryable } from '@tracktrove/event-store';
import { checkEndpointUrl, EndpointFailuresSchema, type EndpointEventType, type EndpointFailures } from '@tracktrove/webhooks';
import { EndpointLimitError, EndpointNotFoundError, fieldError } from './errors.ts';
import { endpointLimits, endpointViewOf, type EndpointRow, type EndpointView } from './endpoint-view.ts';
import type { EndpointTables } from './tables.ts';

export const endpointStreamPrefix = 'endpoint-';

export interface NewEndpoint {
  readonly url: string;
  readonly description?: string;
  readonly eventTypes?: readonly EndpointEventType[];
  readonly failures?: Partial<EndpointFailures>;
}

export interface EndpointChanges {
  readonly url?: string;
  readonly description?: string;
  readonly eventTypes?: readonly EndpointEventType[];
  readonly failures?: Partial<EndpointFailures>;
  readonly enabled?: boolean;
}

/** Who changes an endpoint, when (sandbox time), and where a URL may point. */
export interface EndpointChangeContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly now: Date;
  readonly allowedHosts: readonly string[];
}

/** A new signing secret: 32 random bytes, base64url, `whsec_` first. */
export const newEndpointSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

function checkedUrl(url: string, allowedHosts: readonly string[]): string {
  const verdict = checkEndpointUrl(url, allowedHosts);
  if (!verdict.ok) throw fieldError('url', verdict.reason);
  return url;
}

function checkedDescription(description: string): string {
  if (description.length > endpointLimits.maxDescriptionChars)
    throw fieldError('description', `at most ${endpointLimits.maxDescriptionChars} characters`);
  return description;
}

/** The endpoint's change as an event on endpoint-<id>, with who made it; never the secret. */
async function recordChange<DB extends EndpointTables & EventStoreTables>(
  trx: Transaction<DB>,
  endpointId: string,
  type: string,
  data: Record<string, unknown>,
  context: EndpointChangeContext,
): Promise<void> {
  await appendToStreams(trx, [
    {
      streamId: `${endpointStreamPrefix}${endpointId}`,
      expectedVersion: 'any',
      events: [
        {
          type,
          data: { endpointId, ...data, at: context.now.toISOString() },
          metadata: buildMetadata({ actor: context.actor, correlationId: context.correlationId, step: type, service: 'webhooks' }),
        },
      ],
    },
  ]);
}

async function lockedEndpoint<DB extends EndpointTables & EventStoreTables>(
  trx: Transaction<DB>,
  endpointId: string,
): Promise<EndpointRow> {
  const { rows } = await sql<EndpointRow>`
    select * from tt_webhook_endpoints where endpoint_id = ${endpointId}::uuid and deleted_at is null for update`.execute(trx);
  if (!rows[0]) throw new EndpointNotFoundError('webhook endpoint', endpointId);
  return rows[0];
}

/** Creates an endpoint (at most endpointLimits.maxEndpoints exist) and answers it with its secret, shown this once. */
export async function createEndpoint<DB extends EndpointTables & EventStoreTables>(
  db: Queryable<DB>,
  input: NewEndpoint,
  context: EndpointChangeContext,
): Promise<EndpointView & { secret: string }> {
  const url = checkedUrl(input.url, context.allowedHosts);
  const description = checkedDescription(input.description ?? '');
  const failures = EndpointFailuresSchema.parse(input.failures ?? {});
  const eventTypes = [...new Set(input.eventTypes ?? [])];
  const endpointId = randomUUID();
  const secret = newEndpointSecret();
  return db.transaction().execute(async (trx) => {
    // One creation at a time counts the endpoints, so two at once cannot pass the limit together.
    await sql`lock table tt_webhook_endpoints in share row exclusive mode`.execute(trx);
    const { rows } = await sql<{ count: string }>`select count(*) as count from tt_webhook_endpoints where deleted_at is null`.execute(trx);
    if (Number(rows[0]?.count ?? 0) >= endpointLimits.maxEndpoints) throw new EndpointLimitError(endpointLimits.maxEndpoints);
    const now = context.now.toISOString();
    const inserted = await sql<EndpointRow>`
      insert into tt_webhook_endpoints (endpoint_id, url, description, event_types, failures, enabled, secret, created_at, updated_at)
      values (${endpointId}::uuid, ${url}, ${description}, ${eventTypes}::text[], ${JSON.stringify(failures)}::jsonb, true, ${secret}, ${now}, ${now})
      returning *`.execute(trx);
    await recordChange(trx, endpointId, 'WebhookEndpointCreated', { url, description, eventTypes, failures, enabled: true }, context);
    return { ...endpointViewOf(inserted.rows[0]!), secret };
  });
}

export async function listEndpoints<DB extends EndpointTables & EventStoreTables>(db: Queryable<DB>): Promise<EndpointView[]> {
  const { rows } = await sql<EndpointRow>`
    select * from tt_webhook_endpoints where deleted_at is null order by created_at, endpoint_id limit ${endpointLimits.maxEndpoints}`.execute(
    db,
  );
  return rows.map(endpointViewOf);
}

export async function getEndpoint<DB extends EndpointTables & EventStoreTables>(
  db: Queryable<DB>,
  endpointId: string,
): Promise<EndpointView> {
  const { rows } = await sql<EndpointRow>`
    select * from tt_webhook_endpoints where endpoint_id = ${endpointId}::uuid and deleted_at is null`.execute(db);
  if (!rows[0]) throw new EndpointNotFoundError('webhook endpoint', endpointId);
  return endpointViewOf(rows[0]);
}

/**
 * Changes an endpoint: WebhookEndpointUpdated with the fields that changed, and
 * WebhookEndpointDisabled / WebhookEndpointEnabled when `enabled` changed. Nothing changed, no event.
 */
export async function updateEndpoint<DB extends EndpointTables & EventStoreTables>(
  db: Queryable<DB>,
  endpointId: string,
  changes: EndpointChanges,
  context: EndpointChangeContext,
): Promise<EndpointView> {
  const url = changes.url === undefined ? undefined : checkedUrl(changes.url, context.allowedHosts);
  const description = changes.description === undefined ? undefined : checkedDescription(changes.description);
  return db.transaction().execute(async (trx) => {
    const current = await lockedEndpoint(trx, endpointId);
    const next = {
      url: url ?? current.url,
      description: description ?? current.description,
      eventTypes: changes.eventTypes === undefined ? current.event_types : [...new Set(changes.eventTypes)],
      failures:
        changes.failures === undefined ? current.failures : EndpointFailuresSchema.parse({ ...current.failures, ...changes.failures }),
      enabled: changes.enabled ?? current.enabled,
    };
    const changed: Record<string, unknown> = {};
    if (next.url !== current.url) changed.url = next.url;
    if (next.description !== current.description) changed.description = next.description;
    if (JSON.stringify(next.eventTypes) !== JSON.stringify(current.event_types)) changed.eventTypes = next.eventTypes;
    if (JSON.stringify(next.failures) !== JSON.stringify(current.failures)) changed.failures = next.failures;
    const enabledChanged = next.enabled !== current.enabled;
    if (Object.keys(changed).length === 0 && !enabledChanged) return endpointViewOf(current);
    const { rows } = await sql<EndpointRow>`
      update tt_webhook_endpoints
         set url = ${next.url}, description = ${next.description}, event_types = ${next.eventTypes}::text[],
             failures = ${JSON.stringify(next.failures)}::jsonb, enabled = ${next.enabled}, updated_at = ${context.now.toISOString()}
       where endpoint_id = ${endpointId}::uuid returning *`.execute(trx);
    if (Object.keys(changed).length > 0) await recordChange(trx, endpointId, 'WebhookEndpointUpdated', { changes: changed }, context);
    if (enabledChanged)
      await recordChange(trx, endpointId, next.enabled ? 'WebhookEndpointEnabled' : 'WebhookEndpointDisabled', {}, context);
    return endpointViewOf(rows[0]!);
  });
}

/** Deletes an endpoint: it makes no more deliveries; its deliveries stay readable. */
export async function deleteEndpoint<DB extends EndpointTables & EventStoreTables>(
  db: Queryable<DB>,
  endpointId: string,
  context: EndpointChangeContext,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockedEndpoint(trx, endpointId);
    await sql`update tt_webhook_endpoints set deleted_at = ${context.now.toISOString()}, enabled = false, updated_at = ${context.now.toISOString()}
               where endpoint_id = ${endpointId}::uuid`.execute(trx);
    await recordChange(trx, endpointId, 'WebhookEndpointDeleted', {}, context);
  });
}

/** A new secret for the endpoint, answered this once; the event says only that it was rotated. */
export async function rotateEndpointSecret<DB extends EndpointTables & EventStoreTables>(
  db: Queryable<DB>,
  endpointId: string,
  context: EndpointChangeContext,
): Promise<{ secret: string }> {
  const secret = newEndpointSecret();
  await db.transaction().execute(async (trx) => {
    await lockedEndpoint(trx, endpointId);
    await sql`update tt_webhook_endpoints set secret = ${secret}, updated_at = ${context.now.toISOString()}
               where endpoint_id = ${endpointId}::uuid`.execute(trx);
    await recordChange(trx, endpointId, 'WebhookEndpointSecretRotated', {}, context);
  });
  return { secret };
}
