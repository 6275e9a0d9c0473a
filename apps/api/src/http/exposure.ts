import type { Config } from '@tracktrove/config';

/** Whether a listening host is this machine's loopback only (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * What anyone who can reach a server on a non-loopback host may do without a token: commands when
 * no operator token is set, reads when no viewer token is set. Null on loopback, or when both are set.
 */
export function openToTheNetwork(config: Pick<Config, 'host' | 'tokens'>): string | null {
  if (isLoopbackHost(config.host)) return null;
  const open = [config.tokens.operator ? null : 'fire commands', config.tokens.viewer ? null : 'read every transaction'].filter(
    (what): what is string => what !== null,
  );
  if (open.length === 0) return null;
  return `HOST is ${config.host}: anyone who can reach this server may ${open.join(' and ')} without a token; set TRACKTROVE_OPERATOR_TOKEN and TRACKTROVE_VIEWER_TOKEN, or HOST=localhost`;
}
