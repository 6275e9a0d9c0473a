import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longRunning } from '../src/http/timeouts.ts';

describe('long-running admin routes', () => {
  // The same server settings as the app's, with a short silence budget so the test is quick.
  const app = Fastify({ connectionTimeout: 300 });
  const slowMs = 800;
  let baseUrl = '';
  beforeAll(async () => {
    const slow = async () => {
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      return { done: true };
    };
    app.post('/ordinary', slow);
    app.post('/long', { onRequest: longRunning(5_000) }, slow);
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answer past the connection timeout that closes an ordinary request', async () => {
    await expect(fetch(`${baseUrl}/ordinary`, { method: 'POST' })).rejects.toThrow();
    const response = await fetch(`${baseUrl}/long`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
  });
});
