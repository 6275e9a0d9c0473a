/**
 * Writes src/api/openapi.ts, the viewer's types of the HTTP contract, from the server's own OpenAPI
 * document (the zod schemas behind every route), so the viewer copies no shape by hand.
 *
 *   pnpm --filter @tracktrove/web gen:api-types          rewrite the file
 *   pnpm --filter @tracktrove/web gen:api-types --check  exit 1 when the file is not current (CI)
 *
 * The document comes from a server started in this process on a throwaway embedded database, not
 * listening: the same routes and schemas `pnpm start` serves at /docs/json.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { pino } from 'pino';
import { loadConfig, startServer, trackTroveModule } from '@tracktrove/api';

const target = resolve(import.meta.dirname, '../src/api/openapi.ts');
const header = `/**
 * Generated from the server's OpenAPI document by apps/web/scripts/generate-api-types.ts: do not
 * edit. Run \`pnpm --filter @tracktrove/web gen:api-types\` after changing a route's schema; CI
 * fails when this file is not current.
 */
/* eslint-disable */
`;

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tracktrove-openapi-'));
  try {
    const config = loadConfig(
      {},
      {
        dataDir,
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        tokens: { admin: 'openapi-generation', operator: undefined, viewer: undefined },
      },
    );
    const server = await startServer({ config, modules: [trackTroveModule()], listen: false, logger: pino({ level: 'silent' }) });
    try {
      return server.app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await server.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function generatedApiTypes(): Promise<string> {
  const ast = await openapiTS((await openApiDocument()) as never, { alphabetize: true });
  return header + astToString(ast);
}

async function main(): Promise<void> {
  const text = await generatedApiTypes();
  if (process.argv.includes('--check')) {
    const current = await readFile(target, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write(`${target} is not current: run pnpm --filter @tracktrove/web gen:api-types\n`);
      process.exit(1);
    }
    process.stdout.write('api types are current\n');
    return;
  }
  await writeFile(target, text);
  process.stdout.write(`wrote ${target}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main();
