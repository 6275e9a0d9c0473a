/** Bounds of the store's calls. */
export const limits = {
  maxEventsPerAppend: 1_000,
  maxStreamsPerAppend: 500,
  maxStreamIdLength: 200,
  maxTypeLength: 200,
  maxReadCount: 10_000,
  defaultReadCount: 1_000,
} as const;
