import type { FastifyRequest } from 'fastify';
import { normalizeIP } from '@fastify/rate-limit';
import { HttpProblem, problems } from '../http/problem.ts';

export interface StreamClientLimits {
  /** WebSocket clients of the process, both feeds together. */
  readonly maxClients: number;
  /** Of those, from one client address (an IPv6 address by its /64). */
  readonly maxClientsPerAddress: number;
}

export interface StreamClients {
  /**
   * Admits a stream client before its upgrade, or throws: 429 when its address has its share open,
   * 503 when the process has all it may. A client counts from here until its connection closes.
   */
  admit(request: FastifyRequest): void;
}

/** The stream clients open per address and in all: one address cannot take every place. */
export function createStreamClients(limits: StreamClientLimits): StreamClients {
  const byAddress = new Map<string, number>();
  let total = 0;
  return {
    admit(request) {
      const address = normalizeIP(request.ip);
      const open = byAddress.get(address) ?? 0;
      if (open >= limits.maxClientsPerAddress) {
        throw new HttpProblem(429, 'rate_limited', `this address has ${open} stream connections open, its maximum; close one first`, [], {
          'retry-after': '5',
        });
      }
      if (total >= limits.maxClients) {
        throw problems.unavailable(
          `this process serves its maximum of ${limits.maxClients} stream clients; try again or another process`,
          5,
        );
      }
      // A request that is no upgrade is answered 404 by the route: it holds no place.
      if (request.headers.upgrade?.toLowerCase() !== 'websocket') return;
      byAddress.set(address, open + 1);
      total += 1;
      // The connection's socket is the WebSocket's after the upgrade: it closes with the client,
      // or at once when the upgrade fails.
      request.raw.socket.once('close', () => {
        total -= 1;
        const left = (byAddress.get(address) ?? 1) - 1;
        if (left > 0) byAddress.set(address, left);
        else byAddress.delete(address);
      });
    },
  };
}
