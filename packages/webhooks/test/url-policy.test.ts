import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, parseAllowedHosts } from '../src/index.ts';

const allowed = (url: string, hosts: string[] = []) => checkEndpointUrl(url, hosts).ok;

describe('checkEndpointUrl', () => {
  it('takes http and https to loopback hosts', () => {
    for (const url of [
      'http://localhost:3000/hooks',
      'https://localhost/hooks',
      'http://127.0.0.1:8080/',
      'http://127.1.2.3/',
      'http://[::1]:4000/x',
      'http://api.localhost/x',
    ]) {
      expect(allowed(url), url).toBe(true);
    }
  });

  it('refuses other schemes, credentials, relative and overlong URLs', () => {
    for (const url of ['ftp://localhost/x', 'file:///etc/passwd', 'javascript:alert(1)', '/hooks', 'http://user:pw@localhost/x']) {
      expect(allowed(url), url).toBe(false);
    }
    expect(allowed(`http://localhost/${'a'.repeat(2100)}`)).toBe(false);
  });

  it('refuses hosts outside loopback unless listed in WEBHOOK_ALLOWED_HOSTS', () => {
    const refused = checkEndpointUrl('https://example.com/hooks', []);
    expect(refused).toEqual({ ok: false, reason: expect.stringContaining('example.com') });
    expect(allowed('http://10.0.0.5/hooks')).toBe(false);
    expect(allowed('http://127.0.0.1.example.com/hooks')).toBe(false);
    expect(allowed('http://localhost.example.com/hooks')).toBe(false);
    const hosts = parseAllowedHosts(' Example.com, hooks.internal  [fd00::1]');
    expect(hosts).toEqual(['example.com', 'hooks.internal', 'fd00::1']);
    expect(allowed('https://example.com/hooks', hosts)).toBe(true);
    expect(allowed('https://EXAMPLE.com/hooks', hosts)).toBe(true);
    expect(allowed('http://[fd00::1]/hooks', hosts)).toBe(true);
    expect(allowed('https://sub.example.com/hooks', hosts)).toBe(false);
  });
});
