import type { Logger } from 'pino';
import { readVisibleHeadPosition, type EventStore, type LogPosition, type RecordedEvent } from '@tracktrove/event-store';

export type TailListener = (events: readonly RecordedEvent[]) => void;

/**
 * Follows the global log from its head and hands every new batch, in order, to each listener.
 * One tail per process serves every WebSocket client; with several processes on one database,
 * each has its own tail and so streams every event.
 */
export interface LogTail {
  /** The position up to which listeners have been given every event. */
  position(): LogPosition;
  listen(listener: TailListener): () => void;
  listenerCount(): number;
  /** Sends a message that is not an event (e.g. projection progress) to every stream client. */
  broadcast(message: object): void;
  listenMessages(listener: (message: string) => void): () => void;
  stop(): Promise<void>;
}

export interface LogTailOptions {
  readonly store: EventStore;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly logger?: Logger;
  /** Every batch's event types, in order, whether or not anyone listens (for metrics). */
  readonly onBatch?: (types: readonly string[]) => void;
}

export async function startLogTail(options: LogTailOptions): Promise<LogTail> {
  const { store } = options;
  const listeners = new Set<TailListener>();
  const messageListeners = new Set<(message: string) => void>();
  const controller = new AbortController();
  let position = await readVisibleHeadPosition(store.database.db);
  const pollIntervalMs = options.pollIntervalMs ?? 500;

  // With nobody listening, the tail only counts events (metrics): it reads every pollIntervalMs
  // instead of after every append, and a listener joining wakes it at once.
  let wakeIdle: (() => void) | undefined;
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        controller.signal.removeEventListener('abort', done);
        wakeIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      controller.signal.addEventListener('abort', done, { once: true });
      wakeIdle = done;
    });

  const running = (async () => {
    let recheckMs = 0;
    let lastWake: 'notified' | 'timeout' | 'aborted' = 'timeout';
    while (!controller.signal.aborted) {
      try {
        const maxCount = options.batchSize ?? 1_000;
        const seenNotifications = store.waker.notifications();
        // With nobody listening, the types will do (metrics): no payloads read or sent.
        const listened = listeners.size > 0;
        const page = listened
          ? await store.readAll({ after: position, maxCount })
          : await store.readAllTypes({ after: position, maxCount });
        const count = 'events' in page ? page.events.length : page.types.length;
        if (count > 0) {
          // A client joined during a read without payloads: read the same page again, whole.
          if (!('events' in page) && listeners.size > 0) continue;
          position = page.position;
          if ('events' in page) {
            options.onBatch?.(page.events.map((event) => event.type));
            for (const listener of [...listeners]) listener(page.events);
          } else {
            options.onBatch?.(page.types);
          }
          if (!page.isEnd) continue;
        }
        if (listeners.size === 0) {
          recheckMs = 0;
          lastWake = 'timeout';
          await idle(pollIntervalMs);
          continue;
        }
        if (count > 0) {
          recheckMs = 0;
        } else if (lastWake === 'notified') {
          recheckMs = 2;
        } else if (recheckMs > 0) {
          recheckMs = recheckMs * 2 > pollIntervalMs ? 0 : recheckMs * 2;
        }
        lastWake = await store.waker.wait(recheckMs > 0 ? recheckMs : pollIntervalMs, controller.signal, seenNotifications);
      } catch (error) {
        options.logger?.warn({ err: error }, 'log tail read failed; retrying');
        await store.waker.wait(Math.min(pollIntervalMs * 4, 2_000), controller.signal);
      }
    }
  })();

  return {
    position: () => position,
    listen(listener) {
      listeners.add(listener);
      wakeIdle?.();
      return () => listeners.delete(listener);
    },
    listenerCount: () => listeners.size,
    broadcast(message) {
      const text = JSON.stringify(message);
      for (const listener of [...messageListeners]) listener(text);
    },
    listenMessages(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    async stop() {
      controller.abort();
      await running;
    },
  };
}
