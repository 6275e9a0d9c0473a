/** Display helpers: money, times, durations, ids. */

export function formatMinor(amountMinor: number, currency = ''): string {
  const sign = amountMinor < 0 ? '-' : '';
  const absolute = Math.abs(Math.trunc(amountMinor));
  const major = Math.floor(absolute / 100).toLocaleString('en-IN');
  const minorDigits = String(absolute % 100).padStart(2, '0');
  return `${sign}${major}.${minorDigits}${currency ? ` ${currency}` : ''}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(date.getMilliseconds()).padStart(3, '0');
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 10)} ${formatTime(iso)}`;
}

export function formatDurationMs(durationMs: number | null | undefined): string {
  if (durationMs === null || durationMs === undefined || !Number.isFinite(durationMs)) return '—';
  if (durationMs < 1000) return `${Math.round(durationMs)} ms`;
  if (durationMs < 60_000) return `${(durationMs / 1000).toFixed(2)} s`;
  return `${(durationMs / 60_000).toFixed(1)} min`;
}

/** "in 25 s" or "3 min ago", relative to nowMs. */
export function formatRelative(iso: string | null | undefined, nowMs = Date.now()): string {
  if (!iso) return '';
  const deltaMs = new Date(iso).getTime() - nowMs;
  if (!Number.isFinite(deltaMs)) return '';
  const magnitude = formatDurationMs(Math.abs(deltaMs));
  return deltaMs >= 0 ? `in ${magnitude}` : `${magnitude} ago`;
}

export function shortId(id: string | null | undefined): string {
  if (!id) return '—';
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

/** The transaction id of a transaction stream, or null for any other stream (the domain names the streams). */
export { transactionIdOf as transactionIdOfStream } from '@tracktrove/domain';

export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text.trim());
}
