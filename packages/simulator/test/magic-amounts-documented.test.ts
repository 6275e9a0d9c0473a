import { readFileSync } from 'node:fs';
import { formatAmount } from '@tracktrove/domain';
import { describe, expect, it } from 'vitest';
import { magicAmounts } from '../src/index.ts';

/** domain.md: "documented magic amounts that force an outcome (like test cards)". */
describe('magic amounts are documented', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

  it('the README lists every magic amount the gateway knows, and no other', () => {
    const documented = [...readme.matchAll(/^\| (\d+\.\d{2}) \| /gm)].map((match) => match[1]);
    const known = Object.keys(magicAmounts).map((minor) => formatAmount(Number(minor)));
    expect(documented.sort()).toEqual(known.sort());
  });
});
