import WebSocket from 'ws';
import { recordedEventOf, type EventView } from '../server/transaction-events.ts';
import type { RecordedEvent } from '@tracktrove/event-store';

export const streamLimits = {
  /** Waits before reconnecting after the stream closed: doubling from the first to the last. */
  firstReconnectDelayMs: 500,
  maxReconnectDelayMs: 30_000,
  /** Reconnections in a row that fail before following gives up. */
  maxReconnects: 10,
  /** A stream message larger than this closes the connection (events are far smaller). */
  maxMessageBytes: 8 * 1024 * 1024,
} as const;

export interface StreamFollower {
  /** Stop receiving (the socket waits) while the caller catches up; resume() goes on. */
  pause(): void;
  resume(): void;
  /** Resolves when following ended: stopped by the signal, or given up (then with the reason). */
  readonly ended: Promise<{ readonly error: string | null }>;
}

/**
 * Follows GET /api/stream over a WebSocket from `from` (a position, `start` or `end`): each event in
 * log order to onEvent, the caught-up marker's position to onCaughtUp. A connection that closes (the
 * server restarted, or closed a client too slow with 4008) is opened again from the last position
 * received, so no event is missed or repeated.
 */
export function followStream(options: {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly from: string;
  readonly types: readonly string[];
  readonly signal: AbortSignal;
  readonly onEvent: (event: RecordedEvent) => void;
  readonly onCaughtUp: (position: string) => void;
  readonly onReconnect: (reason: string, from: string) => void;
}): StreamFollower {
  let from = options.from;
  let socket: WebSocket | null = null;
  let paused = false;
  let failures = 0;
  let finish!: (outcome: { error: string | null }) => void;
  const ended = new Promise<{ error: string | null }>((resolve) => (finish = resolve));

  const urlFrom = (position: string) => {
    const url = new URL('/api/stream', options.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('from', position);
    if (options.types.length > 0) url.searchParams.set('types', options.types.join(','));
    if (options.token) url.searchParams.set('token', options.token);
    return url;
  };

  const connect = () => {
    if (options.signal.aborted) return finish({ error: null });
    const current = new WebSocket(urlFrom(from), { maxPayload: streamLimits.maxMessageBytes });
    socket = current;
    if (paused) current.pause();
    current.on('open', () => {
      failures = 0;
    });
    current.on('message', (data: Buffer) => {
      let message: { kind?: string; event?: EventView; position?: string };
      try {
        message = JSON.parse(data.toString('utf8'));
      } catch {
        return;
      }
      if (message.kind === 'event' && message.event) {
        const view = message.event;
        from = view.position;
        options.onEvent(recordedEventOf(view));
      } else if (message.kind === 'caught-up' && typeof message.position === 'string') {
        from = message.position;
        options.onCaughtUp(message.position);
      }
    });
    let reason = 'the connection failed';
    /** A refused token is not going to be taken on the next try. */
    let refused = false;
    let answered = false;
    current.on('unexpected-response', (_request, response) => {
      answered = true;
      reason = `the server answered ${response.statusCode} to the stream's upgrade`;
      refused = response.statusCode === 401 || response.statusCode === 403;
      if (refused) reason += ': pass a token it takes with --token or TRACKTROVE_ADMIN_TOKEN';
      current.terminate();
    });
    current.on('error', (error) => {
      // After an answer other than the upgrade, the socket's own error only says it was closed.
      if (!answered) reason = error.message;
    });
    current.on('close', (code, why) => {
      socket = null;
      if (options.signal.aborted) return finish({ error: null });
      if (refused) return finish({ error: reason });
      if (code !== 1006) reason = `the server closed the stream (${code}${why.length > 0 ? `: ${why.toString()}` : ''})`;
      failures += 1;
      if (failures > streamLimits.maxReconnects) return finish({ error: `${reason}; gave up after ${streamLimits.maxReconnects} tries` });
      options.onReconnect(reason, from);
      const delayMs = Math.min(streamLimits.firstReconnectDelayMs * 2 ** (failures - 1), streamLimits.maxReconnectDelayMs);
      const timer = setTimeout(connect, delayMs);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        finish({ error: null });
      });
    });
  };

  options.signal.addEventListener('abort', () => socket?.close(1000, 'stopped'), { once: true });
  connect();
  return {
    pause() {
      paused = true;
      socket?.pause();
    },
    resume() {
      paused = false;
      socket?.resume();
    },
    ended,
  };
}
