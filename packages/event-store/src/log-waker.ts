import { randomUUID } from 'node:crypto';
import { appendChannel, type StoreDatabase } from './database.ts';

/**
 * One LISTEN per database, shared by every reader of the log in this process. wait() resolves on
 * the next append notification or after timeoutMs, whichever comes first.
 */
export interface LogWaker {
  /**
   * How many notifications this process has had: a reader takes it before reading the log and
   * passes it to wait(), which then answers at once if a notification came meanwhile (an append
   * committed while the reader was busy would otherwise wait for the next one, or the poll).
   */
  notifications(): number;
  wait(timeoutMs: number, signal?: AbortSignal, seenNotifications?: number): Promise<'notified' | 'timeout' | 'aborted'>;
  /** Wakes every waiter of this process now (an append of this process committed). */
  wakeLocal(): void;
  /**
   * The payload this process's NOTIFYs carry: its own come back to its LISTEN after wakeLocal()
   * has already woken every reader, and are ignored instead of waking them all a second time.
   */
  readonly notifyPayload: string;
  close(): Promise<void>;
}

export async function createLogWaker(database: StoreDatabase): Promise<LogWaker> {
  const waiters = new Set<() => void>();
  const notifyPayload = randomUUID();
  let notifications = 0;
  const wakeAll = () => {
    notifications += 1;
    for (const wake of [...waiters]) wake();
  };
  const unlisten = await database.listen(appendChannel, (payload) => {
    if (payload !== notifyPayload) wakeAll();
  });
  return {
    notifications: () => notifications,
    wait(timeoutMs, signal, seenNotifications) {
      if (signal?.aborted) return Promise.resolve('aborted');
      if (seenNotifications !== undefined && seenNotifications !== notifications) return Promise.resolve('notified');
      return new Promise((resolve) => {
        const finish = (outcome: 'notified' | 'timeout' | 'aborted') => {
          clearTimeout(timer);
          waiters.delete(notified);
          signal?.removeEventListener('abort', aborted);
          resolve(outcome);
        };
        const notified = () => finish('notified');
        const aborted = () => finish('aborted');
        const timer = setTimeout(() => finish('timeout'), timeoutMs);
        waiters.add(notified);
        signal?.addEventListener('abort', aborted, { once: true });
      });
    },
    wakeLocal: wakeAll,
    notifyPayload,
    async close() {
      await unlisten();
    },
  };
}
