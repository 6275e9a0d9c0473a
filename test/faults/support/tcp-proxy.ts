import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that can cut the network between its clients and the target without
 * closing anything: a partition. While partitioned, no byte passes either way and new connections
 * are accepted but not forwarded, as when packets are dropped; nobody sees a reset or a refusal.
 * On heal, what waited flows on and waiting connections are put through.
 */
export interface TcpProxy {
  readonly port: number;
  /** The target's URL with the proxy's port in place of the target's. */
  urlFor(targetUrl: string): string;
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let partitioned = false;

  const forward = (pair: Pair) => {
    const upstream = connect(target.port, target.host);
    pair.upstream = upstream;
    const closeBoth = () => {
      pair.client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    upstream.on('data', (chunk) => pair.client.write(chunk));
    pair.client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('error', closeBoth);
    upstream.on('close', closeBoth);
    if (partitioned) upstream.pause();
  };

  const server: Server = createServer((client) => {
    const pair: Pair = { client, upstream: undefined };
    pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (partitioned) client.pause();
    else forward(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');

  return {
    port: address.port,
    urlFor(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(address.port);
      return url.toString();
    },
    partition() {
      partitioned = true;
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    heal() {
      partitioned = false;
      for (const pair of pairs) {
        if (!pair.upstream) forward(pair);
        pair.upstream!.resume();
        pair.client.resume();
      }
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
