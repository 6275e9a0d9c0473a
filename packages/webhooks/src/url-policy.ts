import { isIP } from 'node:net';

export const maxEndpointUrlLength = 2048;

export type UrlVerdict = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly reason: string };

/** WEBHOOK_ALLOWED_HOSTS: host names separated by commas or spaces, compared without case. */
export function parseAllowedHosts(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,]+/)
    .map((host) =>
      host
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    )
    .filter((host) => host.length > 0);
}

/** localhost, *.localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^0*:0*:0*:0*:0*:0*:0*:0*1$/.test(host);
  return false;
}

/**
 * Where a delivery may go: an absolute http or https URL without credentials, to a loopback host,
 * or to a host listed in WEBHOOK_ALLOWED_HOSTS (this is a sandbox). Checked when an endpoint is
 * saved and again before each attempt. Host names are compared as written, not resolved.
 */
export function checkEndpointUrl(text: string, allowedHosts: readonly string[]): UrlVerdict {
  if (text.length > maxEndpointUrlLength) return { ok: false, reason: `the URL is longer than ${maxEndpointUrlLength} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'the URL must be http or https' };
  if (url.username || url.password) return { ok: false, reason: 'the URL must not carry credentials' };
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (isLoopbackHost(host) || allowedHosts.includes(host)) return { ok: true, url };
  return { ok: false, reason: `the host ${host} is not loopback and not in WEBHOOK_ALLOWED_HOSTS` };
}
