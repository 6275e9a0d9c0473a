import type { StoredEvent } from '../api/types.ts';

/** The in-memory feed keeps only the newest events. */
export const feedCapacity = 500;

/** Newest first; drops a duplicate position and the oldest beyond capacity. */
export function prependEvent(feed: readonly StoredEvent[], event: StoredEvent): StoredEvent[] {
  if (feed.some((existing) => existing.position === event.position)) return feed as StoredEvent[];
  return [event, ...feed].slice(0, feedCapacity);
}
