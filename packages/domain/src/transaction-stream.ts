/** Each transaction's events form one stream, named `txn-<transaction id>`: the one place that says so. */
export const transactionStreamPrefix = 'txn-';

export function transactionStreamId(transactionId: string): string {
  return `${transactionStreamPrefix}${transactionId}`;
}

/** The transaction id of a transaction stream, or null for any other stream. */
export function transactionIdOf(streamId: string): string | null {
  return streamId.startsWith(transactionStreamPrefix) ? streamId.slice(transactionStreamPrefix.length) : null;
}
