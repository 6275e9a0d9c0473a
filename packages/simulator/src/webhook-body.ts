import { z } from 'zod';

export const webhookTypes = ['payment.confirmed', 'payment.failed', 'refund.succeeded', 'refund.failed'] as const;
export type WebhookType = (typeof webhookTypes)[number];

/** The gateway's webhook body. */
export const WebhookBodySchema = z
  .object({
    // Visible ASCII, like the gateway's evt_<uuid>: an id is stored as text, which takes no NUL.
    id: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII characters'),
    type: z.enum(webhookTypes),
    // Any letter case, as the lower case transaction ids are stored in.
    transactionId: z.uuid().toLowerCase(),
    createdAt: z.iso.datetime(),
  })
  .strict();
export type WebhookBody = z.infer<typeof WebhookBodySchema>;

export const webhookLimits = { maxBodyBytes: 64 * 1024 } as const;
