import { z } from 'zod';
import { validTraceparent } from '../trace-context.ts';

/** ISO 8601 UTC timestamp, e.g. 2025-01-31T12:00:00.000Z. */
export const TimestampSchema = z.iso.datetime();

export const AmountMinorSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const channels = ['WEB', 'MOBILE', 'API', 'POS'] as const;
/** A W3C `traceparent`, version 00 (see trace-context.ts). */
export const TraceparentSchema = z.string().refine((value) => validTraceparent(value) === value, 'must be a version 00 W3C traceparent');

export const ChannelSchema = z.enum(channels);
export type Channel = z.infer<typeof ChannelSchema>;

export const transactionKinds = ['TIP', 'BID_ADJUSTMENT', 'LOYALTY_CREDIT', 'PAYMENT'] as const;
export const TransactionKindSchema = z.enum(transactionKinds);
export type TransactionKind = z.infer<typeof TransactionKindSchema>;

export const actorRoles = ['system', 'operator', 'admin', 'viewer'] as const;
export const ActorSchema = z.object({ role: z.enum(actorRoles), id: z.string().min(1).max(200) });
export type Actor = z.infer<typeof ActorSchema>;

export const IdSchema = z.string().min(1).max(200);
export const ReasonSchema = z.string().min(1).max(1000);
