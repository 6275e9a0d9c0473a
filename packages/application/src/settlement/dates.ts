import { uuidV5 } from '@tracktrove/common';

/** Each settlement batch's events form one stream, `settlement-<batch id>`. */
export const settlementStreamPrefix = 'settlement-';

/**
 * T+1 with a daily cut-off hour (UTC): what completed on day T before the cut-off settles on T+1,
 * what completed after it on T+2. So a settlement date settles what completed before the cut-off
 * of the day before it; hour 0 is midnight at the end of that day, 00:00 UTC of the date itself.
 */
export function settlementCutoff(settlementDate: string, cutoffHourUtc = 0): Date {
  if (!Number.isInteger(cutoffHourUtc) || cutoffHourUtc < 0 || cutoffHourUtc > 23)
    throw new RangeError(`bad cut-off hour ${cutoffHourUtc}`);
  const midnightMs = Date.parse(`${settlementDate}T00:00:00.000Z`);
  return new Date(midnightMs - ((24 - cutoffHourUtc) % 24) * 3_600_000);
}

export function settlementDateOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** Deterministic: every process computes the same id for the same vendor, currency, date and sequence. */
export function settlementBatchId(vendorId: string, currency: string, settlementDate: string, sequence: number): string {
  return uuidV5(`settlement|${vendorId}|${currency}|${settlementDate}|${sequence}`);
}
