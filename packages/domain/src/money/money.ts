import { assert, ValidationError } from '../errors.ts';
import { type Currency, currencyMinorDigits, defaultCurrency, parseCurrency } from './currency.ts';

/** Default per-transaction limits in minor units: 1.00 to 500.00. */
export const defaultAmountLimits = { minMinor: 100, maxMinor: 50_000 } as const;

export type ParseAmountOptions = {
  field?: string;
  minMinor?: number;
  maxMinor?: number;
  currency?: Currency;
};

const decimalPattern = /^(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Parses a major-unit amount (JSON number or decimal string, at most 2
 * decimals) into integer minor units. Throws ValidationError naming `field`.
 */
export function parseAmount(input: unknown, options: ParseAmountOptions = {}): number {
  const {
    field = 'amount',
    minMinor = defaultAmountLimits.minMinor,
    maxMinor = defaultAmountLimits.maxMinor,
    currency = defaultCurrency,
  } = options;
  parseCurrency(currency);
  assert(Number.isSafeInteger(minMinor) && Number.isSafeInteger(maxMinor), 'amount_limits', 'limits must be safe integers');
  assert(0 < minMinor && minMinor <= maxMinor, 'amount_limits', `bad limits ${minMinor}..${maxMinor}`);

  const reject = (message: string): never => {
    throw new ValidationError([{ path: field, message }]);
  };

  const text = amountText(input, reject);
  if (text.trim() === '') reject('must not be empty');
  if (text !== text.trim()) reject('must not contain whitespace');
  if (text.startsWith('+')) reject('must not have a sign');
  if (text.startsWith('-')) reject('must be positive');
  if (/^[\d.]+[eE][+-]?\d+$/.test(text)) reject('must not use an exponent');
  if (/^\d+\.\d{3,}$/.test(text)) reject('must have at most 2 decimals');
  const match = decimalPattern.exec(text);
  if (!match) return reject('must be a decimal number like 12.50');

  const minor = toMinor(match[1] ?? '0', match[2] ?? '', currencyMinorDigits[currency]);
  if (minor === 0) reject('must be greater than zero');
  if (minor === null || minor > maxMinor) return reject(`must be at most ${formatAmount(maxMinor, currency)} ${currency}`);
  if (minor < minMinor) reject(`must be at least ${formatAmount(minMinor, currency)} ${currency}`);
  return minor;
}

function amountText(input: unknown, reject: (message: string) => never): string {
  if (input === undefined || input === null) return reject('is required');
  if (typeof input === 'string') return input;
  if (typeof input !== 'number') return reject('must be a number or a decimal string');
  if (Number.isNaN(input)) return reject('must be a number, not NaN');
  if (!Number.isFinite(input)) return reject('must be finite');
  return String(input);
}

/** Returns null past 15 digits: every amount it returns is a safe integer (below 2^53, about 9.007e15). */
function toMinor(whole: string, fraction: string, minorDigits: number): number | null {
  const digits = whole.replace(/^0+(?=\d)/, '') + fraction.padEnd(minorDigits, '0');
  if (digits.length > 15) return null;
  return Number(digits);
}

/** Formats integer minor units as a decimal string: 1250 -> "12.50". */
export function formatAmount(amountMinor: number, currency: Currency = defaultCurrency): string {
  assert(Number.isSafeInteger(amountMinor), 'amount_minor_safe', `not a safe integer: ${amountMinor}`);
  const digits = currencyMinorDigits[currency];
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  const scale = 10 ** digits;
  return `${sign}${Math.floor(abs / scale)}.${String(abs % scale).padStart(digits, '0')}`;
}
