import { transactionStatuses, type Transaction, type TransactionStatus } from '../../api/types.ts';

export interface VolumeBucket {
  startMs: number;
  byStatus: Partial<Record<TransactionStatus, number>>;
  total: number;
}

export type VolumeMeasure = 'count' | 'amount';

const niceBucketSizesMs = [1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

/** Groups transactions by creation time into at most `maxBuckets` equal buckets, stacked by current status. */
export function bucketVolume(transactions: readonly Transaction[], measure: VolumeMeasure, maxBuckets = 40): VolumeBucket[] {
  const times = transactions.map((transaction) => Date.parse(transaction.createdAt ?? '')).filter(Number.isFinite);
  if (times.length === 0) return [];
  const firstMs = Math.min(...times);
  const lastMs = Math.max(...times);
  const bucketMs = niceBucketSizesMs.find((size) => (lastMs - firstMs) / size < maxBuckets) ?? 86_400_000 * 7;
  const startMs = Math.floor(firstMs / bucketMs) * bucketMs;
  const count = Math.floor((lastMs - startMs) / bucketMs) + 1;
  const buckets: VolumeBucket[] = Array.from({ length: count }, (_, index) => ({
    startMs: startMs + index * bucketMs,
    byStatus: {},
    total: 0,
  }));
  for (const transaction of transactions) {
    const atMs = Date.parse(transaction.createdAt ?? '');
    if (!Number.isFinite(atMs)) continue;
    const bucket = buckets[Math.floor((atMs - startMs) / bucketMs)]!;
    const value = measure === 'count' ? 1 : transaction.amountMinor / 100;
    bucket.byStatus[transaction.status] = (bucket.byStatus[transaction.status] ?? 0) + value;
    bucket.total += value;
  }
  return buckets;
}

export const stackOrder: readonly TransactionStatus[] = transactionStatuses;
