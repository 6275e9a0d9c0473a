import type { WebSocket } from 'ws';
import {
  comparePositions,
  encodePosition,
  readVisibleHeadPosition,
  type EventStore,
  type LogPosition,
  type RecordedEvent,
} from '@tracktrove/event-store';
import { eventMessage } from './event-json.ts';
import type { LogTail } from './log-tail.ts';

export const slowClientCloseCode = 4008;

export interface StreamFilter {
  readonly streamId?: string;
  readonly types?: ReadonlySet<string>;
}

export interface StreamLimits {
  /** Close the client when this many bytes wait in its socket. */
  readonly maxBufferedBytes: number;
  /** Live events held while the client catches up. */
  readonly maxPendingEvents: number;
  readonly catchUpBatchSize: number;
  readonly heartbeatMs: number;
}

export const defaultStreamLimits: StreamLimits = {
  maxBufferedBytes: 4 * 1024 * 1024,
  maxPendingEvents: 20_000,
  catchUpBatchSize: 500,
  heartbeatMs: 15_000,
};

function matches(event: RecordedEvent, filter: StreamFilter): boolean {
  if (filter.streamId !== undefined && event.streamId !== filter.streamId) return false;
  if (filter.types && !filter.types.has(event.type)) return false;
  return true;
}

/**
 * One client of /api/stream: every matching event after `from`, in global order, then the
 * caught-up marker, then live events. Live events are subscribed to before catch-up starts and
 * held until it ends, and every event at or before the last one sent is skipped: no gap, no
 * duplicate across the switch.
 */
export function runStreamSession(
  socket: WebSocket,
  options: {
    store: EventStore;
    tail: LogTail;
    from: LogPosition | 'end';
    filter: StreamFilter;
    limits?: StreamLimits;
    onClose?: () => void;
  },
): void {
  const limits = options.limits ?? defaultStreamLimits;
  let cursor: LogPosition = options.from === 'end' ? options.tail.position() : options.from;
  let pending: RecordedEvent[] | null = [];
  let closed = false;

  const close = (code: number, reason: string) => {
    if (closed) return;
    closed = true;
    unlisten();
    unlistenMessages();
    clearInterval(heartbeat);
    socket.close(code, reason);
  };

  const send = (event: RecordedEvent) => {
    if (comparePositions(event.logPosition, cursor) <= 0) return;
    cursor = event.logPosition;
    if (!matches(event, options.filter)) return;
    if (socket.bufferedAmount > limits.maxBufferedBytes) return close(slowClientCloseCode, 'too slow: resume with from');
    socket.send(eventMessage(event));
  };

  const unlisten = options.tail.listen((events) => {
    if (closed) return;
    if (pending) {
      if (pending.length + events.length > limits.maxPendingEvents) return close(slowClientCloseCode, 'too slow: resume with from');
      pending.push(...events);
      return;
    }
    for (const event of events) {
      send(event);
      if (closed) return;
    }
  });

  const unlistenMessages = options.tail.listenMessages((message) => {
    if (!closed && socket.bufferedAmount <= limits.maxBufferedBytes) socket.send(message);
  });

  const heartbeat = setInterval(() => {
    if (!closed) socket.send(JSON.stringify({ kind: 'heartbeat', at: new Date().toISOString() }));
  }, limits.heartbeatMs);
  heartbeat.unref();

  socket.on('close', () => {
    closed = true;
    unlisten();
    unlistenMessages();
    clearInterval(heartbeat);
    options.onClose?.();
  });
  socket.on('error', () => close(1011, 'socket error'));

  void (async () => {
    try {
      if (options.from === 'end') {
        // The end is the head as of now: the tail's position may be older while nobody listened.
        const head = await readVisibleHeadPosition(options.store.database.db);
        if (comparePositions(head, cursor) > 0) cursor = head;
      }
      for (;;) {
        if (closed) return;
        const page = await options.store.readAll({ after: cursor, maxCount: limits.catchUpBatchSize });
        for (const event of page.events) send(event);
        if (page.isEnd) break;
        // Let the socket drain before reading more: catch-up follows the client's pace.
        while (!closed && socket.bufferedAmount > limits.maxBufferedBytes / 2) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (closed) return;
      const held = pending ?? [];
      pending = null;
      for (const event of held) send(event);
      if (!closed) socket.send(JSON.stringify({ kind: 'caught-up', position: encodePosition(cursor) }));
    } catch {
      close(1011, 'could not read the log');
    }
  })();
}
