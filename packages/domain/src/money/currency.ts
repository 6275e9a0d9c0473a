import { z } from 'zod';
import { ValidationError } from '../errors.ts';

/** ISO 4217 codes the sandbox supports. Every one has 2 minor digits. */
export const supportedCurrencies = ['INR', 'USD', 'EUR', 'GBP', 'SGD', 'AED'] as const;

export type Currency = (typeof supportedCurrencies)[number];

export const defaultCurrency: Currency = 'INR';

export const currencyMinorDigits: Record<Currency, 2> = {
  INR: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  AED: 2,
};

export const CurrencySchema = z.enum(supportedCurrencies);

export function isCurrency(input: unknown): input is Currency {
  return typeof input === 'string' && (supportedCurrencies as readonly string[]).includes(input);
}

/**
 * Parses an ISO 4217 code. `undefined` gives the default (INR); anything else
 * that is not an upper-case supported code is a ValidationError naming `field`.
 */
export function parseCurrency(
  input: unknown,
  { field = 'currency', fallback = defaultCurrency }: { field?: string; fallback?: Currency } = {},
): Currency {
  if (input === undefined) return fallback;
  if (isCurrency(input)) return input;
  const message =
    typeof input === 'string' && isCurrency(input.toUpperCase())
      ? `must be an upper-case ISO 4217 code (did you mean ${input.toUpperCase()}?)`
      : `must be one of ${supportedCurrencies.join(', ')}`;
  throw new ValidationError([{ path: field, message }]);
}
