import { z } from 'zod';

/** The faults an endpoint (or `tracktrove listen`) injects into its deliveries, each decided per delivery. */
export const EndpointFailuresSchema = z.object({
  /** Share of deliveries never sent (recorded as dropped, not retried). */
  dropRate: z.number().min(0).max(1).default(0),
  /** Share of deliveries sent twice (the copy has the same event id, a delivery of its own). */
  duplicateRate: z.number().min(0).max(1).default(0),
  /** Sandbox milliseconds every delivery waits before its first attempt. */
  delayMs: z.number().int().min(0).max(86_400_000).default(0),
  /** Each delivery waits a further random time, so a transaction's deliveries may arrive out of order. */
  reorder: z.boolean().default(false),
  /** Share of deliveries whose request body is sent slowly (headers first, the body after a pause). */
  slowRate: z.number().min(0).max(1).default(0),
});

export type EndpointFailures = z.infer<typeof EndpointFailuresSchema>;

export const noFailures: EndpointFailures = { dropRate: 0, duplicateRate: 0, delayMs: 0, reorder: false, slowRate: 0 };
