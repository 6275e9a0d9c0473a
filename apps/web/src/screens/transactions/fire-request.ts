import { channels, transactionKinds, type Channel, type InitiateRequest, type JsonValue, type TransactionKind } from '../../api/types.ts';

/** What the fire form holds: strings as typed, parsed only when sending. */
export interface FireForm {
  vendorId: string;
  randomVendorPerTransaction: boolean;
  amount: string;
  currency: string;
  channel: Channel;
  kind: TransactionKind;
  successRate: string;
  seed: string;
  escrowTtlMs: string;
  onHoldExpiry: 'release' | 'void';
  webhookDropRate: string;
  webhookDuplicateRate: string;
  webhookDelayMs: string;
  dropExpiryNotification: boolean;
  refundFailureRate: string;
  serviceContext: string;
  payloadJson: string;
}

export const maxBatchSize = 500;
export const batchConcurrency = 6;

export function defaultFireForm(): FireForm {
  return {
    vendorId: crypto.randomUUID(),
    randomVendorPerTransaction: false,
    amount: '12.50',
    currency: 'INR',
    channel: channels[0],
    kind: transactionKinds[3],
    successRate: '1',
    seed: '',
    escrowTtlMs: '30000',
    onHoldExpiry: 'release',
    webhookDropRate: '0',
    webhookDuplicateRate: '0',
    webhookDelayMs: '1000',
    dropExpiryNotification: false,
    refundFailureRate: '0',
    serviceContext: 'trace-viewer',
    payloadJson: '{\n  "note": "fired from the trace viewer"\n}',
  };
}

export type Built = { ok: true; request: InitiateRequest } | { ok: false; errors: { path: string; message: string }[] };

/** Turns the form into a request; `index` varies the seed and vendor across a batch. */
export function buildInitiateRequest(form: FireForm, index = 0): Built {
  const errors: { path: string; message: string }[] = [];
  const rate = (path: string, text: string) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) errors.push({ path, message: 'a number from 0 to 1' });
    return value;
  };
  const whole = (path: string, text: string, max: number) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > max)
      errors.push({ path, message: `a whole number from 0 to ${max}` });
    return value;
  };
  if (!/^\d+(\.\d{1,2})?$/.test(form.amount.trim()))
    errors.push({ path: 'amount', message: 'a decimal with at most 2 decimals, like 12.50' });
  if (!/^[A-Z]{3}$/.test(form.currency.trim())) errors.push({ path: 'currency', message: 'an ISO 4217 code like INR' });
  if (!form.randomVendorPerTransaction && !form.vendorId.trim()) errors.push({ path: 'vendorId', message: 'required' });
  let payload: { [key: string]: JsonValue } | undefined;
  if (form.payloadJson.trim()) {
    try {
      const parsed = JSON.parse(form.payloadJson) as JsonValue;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) payload = parsed;
      else errors.push({ path: 'payload', message: 'must be a JSON object, like {"note": "thanks"}' });
    } catch (error) {
      errors.push({ path: 'payload', message: `not JSON: ${(error as Error).message}` });
    }
  }
  const seed = form.seed.trim() === '' ? undefined : whole('simulation.seed', form.seed, 2 ** 31 - 1);
  const request: InitiateRequest = {
    vendorId: form.randomVendorPerTransaction ? crypto.randomUUID() : form.vendorId.trim(),
    amount: form.amount.trim(),
    currency: form.currency.trim(),
    channel: form.channel,
    kind: form.kind,
    payload,
    serviceContext: form.serviceContext.trim() || undefined,
    simulation: {
      successRate: rate('simulation.successRate', form.successRate),
      seed: seed === undefined ? undefined : seed + index,
      escrowTtlMs: whole('simulation.escrowTtlMs', form.escrowTtlMs, 86_400_000 * 30),
      onHoldExpiry: form.onHoldExpiry,
      webhook: {
        dropRate: rate('simulation.webhook.dropRate', form.webhookDropRate),
        duplicateRate: rate('simulation.webhook.duplicateRate', form.webhookDuplicateRate),
        delayMs: whole('simulation.webhook.delayMs', form.webhookDelayMs, 86_400_000),
      },
      dropExpiryNotification: form.dropExpiryNotification,
      refundFailureRate: rate('simulation.refundFailureRate', form.refundFailureRate),
    },
  };
  return errors.length ? { ok: false, errors } : { ok: true, request };
}
