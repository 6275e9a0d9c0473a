import { inject } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tracktrove/testing';
import type {} from './provided.ts';

/** The suite's PostgreSQL and Redis, started by global-setup.ts; stop and start go through its control endpoint. */
export interface SharedService {
  readonly url: string;
  stop(): Promise<number>;
  /** Stopped as by a crash (PostgreSQL: immediate mode, recovery from its WAL on start). */
  crash(): Promise<number>;
  start(): Promise<number>;
}

function controlled(name: 'postgres' | 'redis', url: string): SharedService {
  const call = async (action: 'stop' | 'crash' | 'start') => {
    const response = await fetch(`${inject('faultsControlUrl')}/${name}/${action}`, {
      method: 'POST',
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status !== 200) throw new Error(`${name} ${action} failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { ms: number }).ms;
  };
  return { url, stop: () => call('stop'), crash: () => call('crash'), start: () => call('start') };
}

export const postgres = (): SharedService => controlled('postgres', inject('databaseUrl'));
export const redis = (): SharedService => controlled('redis', inject('redisUrl'));

/** A fresh database on the suite's PostgreSQL, for one test file. */
export const freshDatabase = (): Promise<TestDatabase> => createTestDatabase(inject('databaseUrl'));
