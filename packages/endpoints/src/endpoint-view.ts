import type { EndpointEventType, EndpointFailures } from '@tracktrove/webhooks';

export const endpointLimits = {
  maxEndpoints: 100,
  maxDescriptionChars: 500,
} as const;

/** An endpoint as the API shows it: never its secret, only the secret's last four characters. */
export interface EndpointView {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  /** Empty: every type. */
  readonly eventTypes: EndpointEventType[];
  readonly enabled: boolean;
  readonly failures: EndpointFailures;
  readonly secretHint: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface EndpointRow {
  endpoint_id: string;
  url: string;
  description: string;
  event_types: string[];
  failures: EndpointFailures;
  enabled: boolean;
  secret: string;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
}

export const secretHintOf = (secret: string) => `…${secret.slice(-4)}`;

export function endpointViewOf(row: EndpointRow): EndpointView {
  return {
    id: row.endpoint_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types as EndpointEventType[],
    enabled: row.enabled,
    failures: row.failures,
    secretHint: secretHintOf(row.secret),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}
