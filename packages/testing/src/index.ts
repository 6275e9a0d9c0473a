export { createTestDatabase, queryDatabase, testRedisUrl, topStatements, type TestDatabase } from './test-database.ts';
export { startLocalPostgres, startLocalPostgresReplica, startLocalRedis, freePort, type LocalService } from './local-services.ts';
export { startTestServices, type TestServices } from './services.ts';
export { redisCli, startLocalRedisSentinelGroup, type LocalRedisSentinelGroup } from './local-redis-sentinel.ts';
export { initiateRequestBody } from './request-bodies.ts';
