import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

const tokens = { admin: 'admin-secret-0123456789', operator: undefined, viewer: undefined };

/** The status of a WebSocket handshake: 101 when it opened, else the status that refused it. */
function handshake(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

describe('what a server sends about itself', () => {
  let server: TestServer;
  let webDist: string;
  beforeAll(async () => {
    // A viewer build as an older one was: with a source map beside its script.
    webDist = mkdtempSync(join(tmpdir(), 'tracktrove-web-'));
    writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>viewer</title><script type="module" src="/app.js"></script>');
    writeFileSync(join(webDist, 'app.js'), 'console.log("viewer");\n//# sourceMappingURL=app.js.map');
    writeFileSync(join(webDist, 'app.js.map'), '{"version":3,"sources":["secret-source.tsx"]}');
    server = await startTestServer({ config: { tokens, webDistDir: webDist, corsOrigins: ['http://localhost:5173'] } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(webDist, { recursive: true, force: true });
  });

  it('sends security headers with the viewer, the API and refusals alike', async () => {
    for (const path of ['/', '/api/events', '/nowhere']) {
      const response = await fetch(`${server.baseUrl}${path}`);
      await response.arrayBuffer();
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy, path).toContain("default-src 'self'");
      expect(policy, path).toContain("script-src 'self'");
      expect(policy, path).toContain("connect-src 'self'");
      expect(policy, path).toContain("frame-ancestors 'none'");
      expect(policy, path).not.toContain('upgrade-insecure-requests');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security'), path).toBeNull();
    }
    const docs = await fetch(`${server.baseUrl}/docs/static/index.html`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(docs.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });

  it('serves the viewer but never a source map', async () => {
    expect((await fetch(`${server.baseUrl}/app.js`)).status).toBe(200);
    const map = await fetch(`${server.baseUrl}/app.js.map`);
    expect(map.status).toBe(404);
    expect(await map.text()).not.toContain('secret-source');
  });

  it('refuses a WebSocket handshake from an origin that is neither its own nor in CORS_ORIGINS', async () => {
    const url = `${server.baseUrl.replace('http', 'ws')}/api/stream?from=end`;
    expect(await handshake(url, { origin: 'http://evil.example' })).toBe(403);
    expect(await handshake(url, { origin: 'null' })).toBe(403);
    expect(await handshake(`${server.baseUrl.replace('http', 'ws')}/ws`, { origin: 'http://localhost:5174' })).toBe(403);
    expect(await handshake(url, { origin: 'http://localhost:5173' })).toBe(101);
    expect(await handshake(url, { origin: server.baseUrl })).toBe(101);
    expect(await handshake(url, {})).toBe(101);
  });

  it('leaves /metrics and /docs open by default', async () => {
    expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/docs/json`)).status).toBe(200);
  });
});

describe('DOCS_AND_METRICS_ROLE', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { tokens, docsAndMetricsRole: 'admin' } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('puts /metrics, /docs and the OpenAPI document behind a token of that role', async () => {
    for (const path of ['/metrics', '/docs', '/docs/json', '/docs/static/index.html']) {
      expect((await fetch(`${server.baseUrl}${path}`)).status, path).toBe(401);
      expect((await fetch(`${server.baseUrl}${path}`, { headers: { authorization: 'Bearer wrong' } })).status, path).toBe(401);
      expect(
        (await fetch(`${server.baseUrl}${path}`, { headers: { authorization: `Bearer ${tokens.admin}` }, redirect: 'manual' })).status,
        path,
      ).toBeLessThan(400);
    }
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
  });
});
