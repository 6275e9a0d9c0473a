import type { WebSocket } from 'ws';
import { transactionIdOf } from '@tracktrove/domain';
import type { RecordedEvent } from '@tracktrove/event-store';
import type { LogTail } from './log-tail.ts';

const maxBufferedBytes = 1024 * 1024;

function statusOf(dto: unknown): string | undefined {
  return dto !== null && typeof dto === 'object' && typeof (dto as { status?: unknown }).status === 'string'
    ? (dto as { status: string }).status
    : undefined;
}

/** One state change in words, as the seed's /ws feed sends it. */
export function describeEvent(event: RecordedEvent): string | null {
  const id = transactionIdOf(event.streamId);
  if (id === null) return null;
  const metadata = event.metadata as {
    dtoBefore?: unknown;
    dtoAfter?: unknown;
    service?: string;
    actor?: { role: string; id: string };
    error?: { message: string } | null;
  };
  const from = statusOf(metadata.dtoBefore);
  const to = statusOf(metadata.dtoAfter);
  const by = metadata.service ? ` by ${metadata.service}` : '';
  const change = from && to && from !== to ? `moved ${from} -> ${to}` : to ? `is ${to}` : 'changed';
  const error = metadata.error?.message ? `: ${metadata.error.message}` : '';
  return `Transaction ${id} ${change} (${event.type}${by})${error}`;
}

/** The seed's feed: a text frame `{ "message": "..." }` per transaction state change, live only. */
export function runSeedFeed(socket: WebSocket, tail: LogTail, onClose: () => void): void {
  const unlisten = tail.listen((events) => {
    for (const event of events) {
      const message = describeEvent(event);
      if (message === null) continue;
      if (socket.bufferedAmount > maxBufferedBytes) {
        socket.close(4008, 'too slow');
        return;
      }
      socket.send(JSON.stringify({ message }));
    }
  });
  socket.on('close', () => {
    unlisten();
    onClose();
  });
  socket.on('error', () => socket.close(1011, 'socket error'));
}
