import type { TestProject } from 'vitest/node';
import { startTestServices } from './services.ts';

import type {} from './provided-context.ts';

/** Vitest global setup: one PostgreSQL and one Redis for the whole run, stopped afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await startTestServices();
  process.stderr.write(`test services from ${services.source}: ${services.databaseUrl} ${services.redisUrl}\n`);
  project.provide('databaseUrl', services.databaseUrl);
  project.provide('redisUrl', services.redisUrl);
  return () => services.stop();
}
