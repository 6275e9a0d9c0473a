import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxJsonBodyDepth, tooDeepJson } from '../src/http/json-depth.ts';
import { refusedContent } from '../src/http/storable-text.ts';
import { trackTroveModule } from '../src/tracktrove-module.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const tokens = { admin: 'admin-secret', operator: 'operator-secret', viewer: 'viewer-secret' };
const nestedArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const initiateText = (payload: string) => `{"vendorId":"${randomUUID()}","amount":"10.00","channel":"WEB","payload":${payload}}`;

describe('bodies built to be slow', () => {
  let server: TestServer;
  const send = (method: 'POST' | 'PUT', url: string, body: string, headers: Record<string, string> = {}) =>
    server.app.inject({ method, url, headers: { 'content-type': 'application/json', ...headers }, payload: body });

  beforeAll(async () => {
    server = await startTestServer({ modules: [trackTroveModule()], config: { tokens } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers a request no route takes with 404 without parsing its body', async () => {
    const broken = await send('POST', '/x', '{"not json');
    expect(broken.statusCode).toBe(404);
    expect(broken.json().code).toBe('not_found');
    expect((await send('POST', '/api/nowhere', nestedArray(100_000))).statusCode).toBe(404);
  });

  it('checks the token before parsing the body: an anonymous request gets 401, whatever it sends', async () => {
    const broken = await send('POST', '/api/transactions', '{"not json');
    expect(broken.statusCode).toBe(401);
    const deep = await send('POST', '/api/transactions', initiateText(nestedArray(100_000)));
    expect(deep.statusCode).toBe(401);
  });

  it('refuses a body nesting deeper than the limit before parsing it, naming the top-level field', async () => {
    const before = await server.context.store.headPosition();
    const operator = { authorization: `Bearer ${tokens.operator}` };
    const deepPayload = await send('POST', '/api/transactions', initiateText(nestedObject(40_000)), operator);
    expect(deepPayload.statusCode).toBe(400);
    expect(deepPayload.json().errors).toEqual([{ path: 'payload', message: `nests deeper than ${maxJsonBodyDepth} levels` }]);
    const deepRoot = await send('POST', '/api/transactions', nestedArray(maxJsonBodyDepth + 1), operator);
    expect(deepRoot.statusCode).toBe(400);
    expect(deepRoot.json().errors).toEqual([{ path: 'body', message: `nests deeper than ${maxJsonBodyDepth} levels` }]);
    const admin = { authorization: `Bearer ${tokens.admin}` };
    const deepFailures = await send('PUT', '/api/admin/failures', `{"webhook":${nestedArray(50_000)}}`, admin);
    expect(deepFailures.statusCode).toBe(400);
    expect(deepFailures.json().errors[0].path).toBe('webhook');
    expect(await server.context.store.headPosition()).toBe(before);
  });
});

describe('the depth scan and the content walk', () => {
  it('count only brackets outside strings, and decode the key they name', () => {
    const depth = maxJsonBodyDepth;
    expect(tooDeepJson(`{"a":${nestedArray(depth - 1)}}`)).toBeUndefined();
    expect(tooDeepJson(`{"a":${nestedArray(depth)}}`)).toEqual({ path: 'a', message: `nests deeper than ${depth} levels` });
    expect(tooDeepJson(`{"x":"${'['.repeat(1_000)}","y":1}`)).toBeUndefined();
    expect(tooDeepJson(`{"x":"\\"${'['.repeat(1_000)}"}`)).toBeUndefined();
    expect(tooDeepJson(`{"first":1,"p\\u0061yload":${nestedArray(depth)}}`)?.path).toBe('payload');
    expect(tooDeepJson(nestedArray(depth + 1))?.path).toBe('');
  });

  it('names the path of refused text deep down, and only that path', () => {
    const depth = 50_000;
    let value: unknown = 'bad\u0000';
    for (let level = 0; level < depth; level += 1) value = { k: value };
    const refused = refusedContent({ payload: value, other: 'fine' }, undefined);
    expect(refused?.message).toBe('contains a NUL character or an unpaired surrogate');
    expect(refused?.path).toBe(['payload', ...Array.from({ length: depth }, () => 'k')].join('.'));
    expect(refusedContent({ note: ['ok', 'x\ud800'] }, 'query')?.path).toBe('query.note.1');
    expect(refusedContent('x\u0000', 'query')?.path).toBe('query');
    expect(refusedContent(JSON.parse('{"a":{"__proto__":1}}'), undefined)?.path).toBe('a.__proto__');
  });
});
