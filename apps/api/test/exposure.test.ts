import { describe, expect, it } from 'vitest';
import { loadConfig } from '@tracktrove/config';
import { isLoopbackHost, openToTheNetwork } from '../src/http/exposure.ts';

describe('where the server listens, and what it leaves open there', () => {
  it('listens on loopback unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('localhost');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('tells loopback hosts from the others', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '127.0.0.1.example.com', 'localhost.example.com'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it('warns when commands or reads are open beyond this machine, naming what is open', () => {
    const tokens = { admin: undefined, operator: undefined, viewer: undefined };
    expect(openToTheNetwork({ host: 'localhost', tokens })).toBeNull();
    expect(openToTheNetwork({ host: '0.0.0.0', tokens })).toMatch(/fire commands and read every transaction/);
    expect(openToTheNetwork({ host: '0.0.0.0', tokens: { ...tokens, operator: 'operator-secret' } })).toMatch(
      /may read every transaction without a token/,
    );
    expect(openToTheNetwork({ host: '0.0.0.0', tokens: { ...tokens, viewer: 'viewer-secret' } })).toMatch(
      /may fire commands without a token/,
    );
    expect(openToTheNetwork({ host: '0.0.0.0', tokens: { ...tokens, operator: 'operator-secret', viewer: 'viewer-secret' } })).toBeNull();
  });
});
