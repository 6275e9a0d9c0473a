import { join } from 'node:path';
import type { Config } from '@tracktrove/config';
import { readDataDirHolder, type DataDirHolder } from '@tracktrove/event-store';
import type { OptionSpec, ParsedCommandLine } from '../command-line.ts';
import { UsageError } from '../command-line.ts';
import { SetupError } from '../setup-error.ts';
import { checkServer, createServerApi, type ServerApi } from './server-api.ts';

/** The options of the commands that can run through a server. */
export const serverOptions: Readonly<Record<string, OptionSpec>> = {
  url: {
    value: 'URL',
    description: 'run through the TrackTrove server at URL (default TRACKTROVE_URL; else the server holding DATA_DIR, if any)',
  },
  token: {
    value: 'TOKEN',
    description: "the server's admin token (default TRACKTROVE_ADMIN_TOKEN; else the one a server generated, from its lock file)",
  },
};

export interface ServerOptions {
  readonly url: string | undefined;
  readonly token: string | undefined;
}

/** --url and --token, checked without I/O: a URL must be http(s) with a host. */
export function serverOptionsOf(parsed: ParsedCommandLine, command: string): ServerOptions {
  const url = parsed.options.get('url');
  const token = parsed.options.get('token');
  if (typeof url === 'string') checkUrl(url, '--url', (message) => new UsageError(message, command));
  return { url: typeof url === 'string' ? url : undefined, token: typeof token === 'string' ? token : undefined };
}

function checkUrl(url: string, source: string, error: (message: string) => Error): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw error(`${source} must be an http(s) URL such as http://localhost:8080, got '${url}'`);
  }
  if (!/^https?:$/.test(parsed.protocol) || parsed.hostname === '')
    throw error(`${source} must be an http(s) URL such as http://localhost:8080, got '${url}'`);
}

/** Where a command runs: on the database itself, or through a server's HTTP API. */
export type Target =
  | { readonly kind: 'database' }
  | { readonly kind: 'server'; readonly api: ServerApi; readonly holder: DataDirHolder | null };

/** The embedded data directory of the configuration (PGlite's directory inside DATA_DIR). */
export function pgliteDirOf(config: Config): string {
  return join(config.dataDir, 'pglite');
}

/**
 * A server named by --url or TRACKTROVE_URL; else, on the embedded default, the server holding the
 * data directory (its URL and, when it generated its admin token, the token are in the lock file);
 * else the database itself. A server is asked GET /health before anything else.
 */
export async function resolveTarget(
  options: ServerOptions,
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Target> {
  const token = options.token ?? config.tokens.admin;
  const explicit = options.url ?? (env.TRACKTROVE_URL?.trim() || undefined);
  if (explicit !== undefined) {
    const source = options.url !== undefined ? '--url' : 'TRACKTROVE_URL';
    checkUrl(explicit, source, (message) => new SetupError(message));
    const api = createServerApi(explicit, token, source);
    await checkServer(api, source);
    return { kind: 'server', api, holder: null };
  }
  if (config.databaseUrl) return { kind: 'database' };
  const holder = readDataDirHolder(pgliteDirOf(config));
  if (!holder) return { kind: 'database' };
  if (!holder.url) {
    throw new SetupError(
      `${pgliteDirOf(config)} is in use by pid ${holder.pid} (${holder.command}, since ${holder.startedAt}); wait for it to finish, or stop it`,
    );
  }
  const source = `the lock file of ${pgliteDirOf(config)}, written by pid ${holder.pid}`;
  const api = createServerApi(holder.url, token ?? holder.adminToken, source);
  await checkServer(api, source);
  return { kind: 'server', api, holder };
}
