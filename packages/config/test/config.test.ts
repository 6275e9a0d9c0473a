import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@tracktrove/config';

const issuesOf = (environment: NodeJS.ProcessEnv): string[] => {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
};

describe('configuration of replicas and Sentinel', () => {
  it('reads REDIS_SENTINELS as host:port pairs with REDIS_MASTER_NAME (default tracktrove)', () => {
    expect(loadConfig({ REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380' }).redisSentinel).toEqual({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
      ],
      masterName: 'tracktrove',
    });
    expect(loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_MASTER_NAME: 'holds' }).redisSentinel?.masterName).toBe('holds');
    expect(loadConfig({}).redisSentinel).toBeUndefined();
  });

  it('refuses a sentinel without a port, and REDIS_URL together with REDIS_SENTINELS', () => {
    expect(issuesOf({ REDIS_SENTINELS: 'a:1,b' })).toEqual([expect.stringContaining('REDIS_SENTINELS')]);
    expect(issuesOf({ REDIS_SENTINELS: 'a:1', REDIS_URL: 'redis://localhost:6379' })).toEqual([expect.stringContaining('not both')]);
  });

  it('reads DATABASE_READ_URLS, and refuses replicas without their primary', () => {
    expect(
      loadConfig({ DATABASE_URL: 'postgres://p/db', DATABASE_READ_URLS: 'postgres://r1/db,postgres://r2/db' }).databaseReadUrls,
    ).toEqual(['postgres://r1/db', 'postgres://r2/db']);
    expect(loadConfig({}).databaseReadUrls).toEqual([]);
    expect(issuesOf({ DATABASE_READ_URLS: 'postgres://r1/db' })).toEqual([expect.stringContaining('DATABASE_URL')]);
    expect(issuesOf({ DATABASE_URL: 'postgres://p/db', DATABASE_READ_URLS: 'not a url' })).toEqual([
      expect.stringContaining('DATABASE_READ_URLS'),
    ]);
  });
});
