import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres, startLocalRedis, type LocalService } from '@tracktrove/testing';
import type {} from './support/provided.ts';

/**
 * One dedicated PostgreSQL and Redis for the fault suite, plus a small control endpoint on the
 * loopback interface through which test files (running in a worker) stop and restart them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // `pnpm test:faults` alone on a clean machine: Redis Sentinel (the failover tests) is installed here too.
  execFileSync(process.execPath, [resolve(import.meta.dirname, '../../infra/ensure-test-tools.mjs'), '--faults'], { stdio: 'inherit' });
  const [postgres, redis] = await Promise.all([startLocalPostgres(), startLocalRedis()]);
  const services: Record<string, LocalService> = { postgres, redis };
  const control: Server = createServer((request, response) => {
    const match = /^\/(postgres|redis)\/(stop|crash|start)$/.exec(request.url ?? '');
    const service = match ? services[match[1]!] : undefined;
    if (request.method !== 'POST' || !match || !service) {
      response.writeHead(404).end();
      return;
    }
    const startedAt = Date.now();
    (match[2] === 'stop' ? service.stop() : match[2] === 'crash' ? service.crash() : service.start()).then(
      () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, ms: Date.now() - startedAt })),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const address = control.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stderr.write(`faults: postgres ${postgres.url}, redis ${redis.url}, control http://127.0.0.1:${port}\n`);
  project.provide('databaseUrl', postgres.url);
  project.provide('redisUrl', redis.url);
  project.provide('faultsControlUrl', `http://127.0.0.1:${port}`);
  return async () => {
    await new Promise<void>((resolve) => control.close(() => resolve()));
    await Promise.all([postgres.destroy(), redis.destroy()]);
  };
}
