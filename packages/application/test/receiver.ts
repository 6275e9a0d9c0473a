import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, any>;
}

export type Answer = 'ok' | 'error' | 'slow' | 'drop';

/**
 * A developer's service in the test: records every POST, and answers each path as scripted
 * (200, 500, 200 after 1.5 s, or the connection dropped). The script may change between steps.
 */
export interface Receiver {
  readonly baseUrl: string;
  readonly received: ReceivedDelivery[];
  script(path: string, answer: Answer): void;
  on(path: string): ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedDelivery[] = [];
  const scripts = new Map<string, Answer>();
  const answer = (kind: Answer, response: ServerResponse) => {
    if (kind === 'ok') response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    else if (kind === 'error') response.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
    else if (kind === 'slow') setTimeout(() => response.writeHead(200).end('late'), 1500);
    else response.socket?.destroy();
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      let json: Record<string, any> = {};
      try {
        json = JSON.parse(body) as Record<string, any>;
      } catch {
        // recorded as it came
      }
      received.push({ path, headers: request.headers, body, json });
      answer(scripts.get(path) ?? 'ok', response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script: (path, kind) => scripts.set(path, kind),
    on: (path) => received.filter((entry) => entry.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
