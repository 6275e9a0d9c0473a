import { describe, expect, it } from 'vitest';
import { formatAmount, InvariantViolation, parseAmount, parseCurrency, ValidationError } from '../src/index.ts';

function rejection(run: () => unknown): { path: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.code).toBe('validation_failed');
    expect(v.errors).toHaveLength(1);
    return v.errors[0]!;
  }
  throw new Error('expected a ValidationError');
}

describe('parseAmount', () => {
  it.each([
    [12.5, 1250],
    [1, 100],
    [500, 50_000],
    ['12.50', 1250],
    ['12.5', 1250],
    ['7', 700],
    ['0.99', null],
    [0.1 + 0.9, 100],
    ['499.99', 49_999],
  ])('given %j, then %j minor units', (input, expected) => {
    if (expected === null) {
      expect(() => parseAmount(input)).toThrow(ValidationError);
    } else {
      expect(parseAmount(input)).toBe(expected);
    }
  });

  it.each([
    ['more decimals (string)', '12.345', /at most 2 decimals/],
    ['more decimals (number)', 12.345, /at most 2 decimals/],
    ['float noise', 0.1 + 0.2, /at most 2 decimals/],
    ['exponent (string)', '1e2', /exponent/],
    ['exponent (number)', 1e21, /exponent/],
    ['tiny exponent (number)', 1e-7, /exponent/],
    ['NaN', Number.NaN, /NaN/],
    ['Infinity', Number.POSITIVE_INFINITY, /finite/],
    ['zero', 0, /greater than zero/],
    ['zero string', '0.00', /greater than zero/],
    ['negative', -5, /positive/],
    ['negative string', '-5.00', /positive/],
    ['leading plus', '+5', /sign/],
    ['empty', '', /empty/],
    ['whitespace only', '   ', /empty/],
    ['padded', ' 5.00 ', /whitespace/],
    ['non-numeric', 'ten', /decimal number/],
    ['trailing dot', '12.', /decimal number/],
    ['leading dot', '.5', /decimal number/],
    ['hex', '0x10', /decimal number/],
    ['comma', '1,50', /decimal number/],
    ['boolean', true, /number or a decimal string/],
    ['object', { amount: 1 }, /number or a decimal string/],
    ['missing', undefined, /required/],
    ['null', null, /required/],
    ['below minimum', '0.99', /at least 1.00 INR/],
    ['above maximum', 500.01, /at most 500.00 INR/],
    ['huge', '123456789012345678901234567890', /at most 500.00 INR/],
    ['exponent with more than one digit before it', '12e3', /exponent/],
    ['exponent with a sign', '1.5E+2', /exponent/],
    ['letters before an exponent', 'a1e5', /decimal number/],
    ['letters after an exponent', '1e5x', /decimal number/],
    ['letters before 3 decimals', 'x1.234', /decimal number/],
    ['letters after 3 decimals', '1.234x', /decimal number/],
  ])('given %s, then a ValidationError naming amount', (_name, input, message) => {
    const error = rejection(() => parseAmount(input));
    expect(error.path).toBe('amount');
    expect(error.message).toMatch(message);
  });

  it('reads leading zeros as nothing, however many', () => {
    expect(parseAmount('007.50')).toBe(750);
    expect(parseAmount('0000000000000000000005.00')).toBe(500);
  });

  it('takes up to 15 digits of minor units, the most a safe integer always holds, when the limits allow them', () => {
    const maxMinor = Number.MAX_SAFE_INTEGER;
    expect(parseAmount('1234567890123.45', { maxMinor })).toBe(123_456_789_012_345);
    expect(parseAmount('9999999999999.99', { maxMinor })).toBe(999_999_999_999_999);
    expect(rejection(() => parseAmount('12345678901234.56', { maxMinor })).message).toMatch(/at most/);
  });

  it('refuses limits that are not positive safe integers with min at most max, as a bug', () => {
    for (const [minMinor, maxMinor] of [
      [0, 100],
      [-1, 100],
      [101, 100],
      [1.5, 100],
      [1, Number.NaN],
      [1, Number.POSITIVE_INFINITY],
    ]) {
      const parse = () => parseAmount('1.00', { minMinor, maxMinor });
      expect(parse, `${minMinor}..${maxMinor}`).toThrow(InvariantViolation);
      expect(parse).toThrow(/amount_limits/);
    }
    expect(() => parseAmount('1.00', { minMinor: 1.5, maxMinor: 100 })).toThrow('amount_limits: limits must be safe integers');
    expect(() => parseAmount('1.00', { minMinor: 101, maxMinor: 100 })).toThrow('amount_limits: bad limits 101..100');
    expect(parseAmount('1.00', { minMinor: 100, maxMinor: 100 })).toBe(100);
    expect(parseAmount('0.01', { minMinor: 1, maxMinor: 1 })).toBe(1);
  });

  it('says the limits it holds to, in the currency', () => {
    expect(rejection(() => parseAmount('0.50', { currency: 'USD' })).message).toBe('must be at least 1.00 USD');
    expect(rejection(() => parseAmount('600', { currency: 'EUR' })).message).toBe('must be at most 500.00 EUR');
  });

  it('names the configured field and honours configured limits', () => {
    expect(rejection(() => parseAmount('10.00', { field: 'body.amount', maxMinor: 500 })).path).toBe('body.amount');
    expect(parseAmount('0.50', { minMinor: 1 })).toBe(50);
    expect(parseAmount('2000', { maxMinor: 1_000_000, currency: 'USD' })).toBe(200_000);
  });
});

describe('formatAmount', () => {
  it.each([
    [1250, '12.50'],
    [100, '1.00'],
    [5, '0.05'],
    [0, '0.00'],
    [-1250, '-12.50'],
    [50_000, '500.00'],
  ])('formats %d as %s', (minor, text) => {
    expect(formatAmount(minor, 'INR')).toBe(text);
  });

  it('refuses an amount that is not a safe integer, as a bug', () => {
    for (const minor of [1.5, Number.NaN, 2 ** 53]) {
      expect(() => formatAmount(minor), String(minor)).toThrow(InvariantViolation);
      expect(() => formatAmount(minor)).toThrow(`amount_minor_safe: not a safe integer: ${minor}`);
    }
  });

  it('round-trips every amount in the default range', () => {
    for (let minor = 100; minor <= 50_000; minor += 1) {
      expect(parseAmount(formatAmount(minor))).toBe(minor);
    }
  });
});

describe('parseCurrency', () => {
  it('defaults to INR and accepts supported codes', () => {
    expect(parseCurrency(undefined)).toBe('INR');
    for (const code of ['INR', 'USD', 'EUR', 'GBP', 'SGD', 'AED']) expect(parseCurrency(code)).toBe(code);
  });

  it.each([['inr'], ['XYZ'], [''], [42], [null]])('rejects %j naming currency', (input) => {
    const error = rejection(() => parseCurrency(input));
    expect(error.path).toBe('currency');
  });

  it('suggests the upper-case code for a supported one in lower case, and lists the supported ones otherwise', () => {
    expect(rejection(() => parseCurrency('usd')).message).toBe('must be an upper-case ISO 4217 code (did you mean USD?)');
    expect(rejection(() => parseCurrency('Eur')).message).toBe('must be an upper-case ISO 4217 code (did you mean EUR?)');
    for (const input of ['XYZ', 'xyz', 42, null]) {
      expect(rejection(() => parseCurrency(input)).message).toBe('must be one of INR, USD, EUR, GBP, SGD, AED');
    }
    expect(rejection(() => parseCurrency('jpy', { field: 'body.currency' })).path).toBe('body.currency');
    expect(parseCurrency(undefined, { fallback: 'GBP' })).toBe('GBP');
  });

  it('rejects an unknown currency in parseAmount options', () => {
    expect(rejection(() => parseAmount('1.00', { currency: 'XYZ' as never })).path).toBe('currency');
  });
});
