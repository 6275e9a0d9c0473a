import { apiRequest } from './api-request.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type {
  FailureSettings,
  ProjectionStatus,
  RequestOf,
  ResponseOf,
  SandboxClock,
  SettlementResult,
  Transaction,
  TransactionStatus,
  VerifyReport,
} from './types.ts';

const base = '/api/admin';

export function overrideStatus(id: string, status: TransactionStatus, reason: string): Promise<Partial<Transaction>> {
  return apiRequest(`${base}/transactions/${encodeURIComponent(id)}/override`, {
    method: 'POST',
    body: { status, reason },
    idempotencyKey: newIdempotencyKey(),
  });
}

export function getClock(signal?: AbortSignal): Promise<SandboxClock> {
  return apiRequest<SandboxClock>(`${base}/clock`, { signal });
}

export type ClockAdvance = ResponseOf<'/api/admin/clock/advance', 'post'>;

export function advanceClock(by: RequestOf<'/api/admin/clock/advance', 'post'>): Promise<ClockAdvance> {
  return apiRequest<ClockAdvance>(`${base}/clock/advance`, {
    method: 'POST',
    body: by,
    idempotencyKey: newIdempotencyKey(),
  });
}

export function runSettlement(): Promise<SettlementResult> {
  return apiRequest<SettlementResult>(`${base}/settlement/run`, {
    method: 'POST',
    body: {},
    idempotencyKey: newIdempotencyKey(),
  });
}

export async function listProjections(signal?: AbortSignal): Promise<ProjectionStatus[]> {
  const body = await apiRequest<ResponseOf<'/api/admin/projections', 'get'>>(`${base}/projections`, { signal });
  return body.items;
}

export function rebuildProjection(name: string): Promise<unknown> {
  return apiRequest(`${base}/projections/${encodeURIComponent(name)}/rebuild`, {
    method: 'POST',
    body: {},
    idempotencyKey: newIdempotencyKey(),
  });
}

export function getFailures(signal?: AbortSignal): Promise<FailureSettings> {
  return apiRequest<FailureSettings>(`${base}/failures`, { signal });
}

export function putFailures(settings: FailureSettings): Promise<FailureSettings> {
  return apiRequest<FailureSettings>(`${base}/failures`, { method: 'PUT', body: settings });
}

export function runVerify(): Promise<VerifyReport> {
  return apiRequest<VerifyReport>(`${base}/verify`, { method: 'POST', body: {}, idempotencyKey: newIdempotencyKey() });
}
