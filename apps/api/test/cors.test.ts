import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corsExposedHeaders, corsMethods, corsRequestHeaders } from '../src/http/cors.ts';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const origin = 'http://localhost:5173';

function preflight(server: TestServer, path: string, from: string, method: string, headers: string) {
  return fetch(`${server.baseUrl}${path}`, {
    method: 'OPTIONS',
    headers: { origin: from, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

const listOf = (header: string | null) =>
  (header ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

describe('CORS: every method and header the API uses, for the configured origins only', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { corsOrigins: [origin, 'http://127.0.0.1:4173'] } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('grants a preflight from an allowed origin every method and the request headers clients send', async () => {
    for (const method of corsMethods.filter((name) => name !== 'HEAD')) {
      const answer = await preflight(server, '/api/admin/failures', origin, method, corsRequestHeaders.join(','));
      expect(answer.status, method).toBe(204);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(listOf(answer.headers.get('access-control-allow-methods'))).toEqual(
        expect.arrayContaining(['get', 'head', 'post', 'put', 'patch', 'delete']),
      );
      expect(listOf(answer.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining([...corsRequestHeaders]));
    }
    const second = await preflight(
      server,
      '/api/transactions/00000000-0000-4000-8000-000000000000/open-dispute',
      'http://127.0.0.1:4173',
      'PATCH',
      'content-type',
    );
    expect(second.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:4173');
  });

  it('grants nothing to an origin not configured, on preflights and on plain requests', async () => {
    const answer = await preflight(server, '/api/admin/failures', 'http://evil.example', 'PUT', 'authorization,content-type');
    expect(answer.ok).toBe(false);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-methods')).toBeNull();
    const read = await fetch(`${server.baseUrl}/api/transactions`, { headers: { origin: 'http://evil.example' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect(read.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('grants and exposes the headers clients read on answers, refusals included', async () => {
    const read = await fetch(`${server.baseUrl}/api/transactions`, { headers: { origin } });
    expect(read.headers.get('access-control-allow-origin')).toBe(origin);
    expect(listOf(read.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining([...corsExposedHeaders]));
    // Refused by the request hooks (a query value PostgreSQL cannot store) and by the router (no route).
    const refused = await fetch(`${server.baseUrl}/api/transactions?status=%00`, { headers: { origin } });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
    const unknown = await fetch(`${server.baseUrl}/api/nothing-here`, { headers: { origin } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('access-control-allow-origin')).toBe(origin);
  });
});
