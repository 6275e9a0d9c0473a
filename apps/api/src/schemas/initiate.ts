import { z } from 'zod';
import type { InitiateInput } from '@tracktrove/application';
import { channels, parseAmount, parseCurrency, transactionKinds, ValidationError } from '@tracktrove/domain';
import { problems } from '../http/problem.ts';
import { tooDeepJson } from '../http/json-depth.ts';
import { refusedContent } from '../http/storable-text.ts';
import { UuidSchema } from './common.ts';

const Probability = z.number().min(0).max(1);
const maxPayloadBytes = 64 * 1024;

export const SimulationSchema = z
  .object({
    successRate: Probability.optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .optional(),
    escrowTtlMs: z
      .number()
      .int()
      .min(1_000)
      .max(7 * 24 * 3_600_000)
      .optional(),
    onHoldExpiry: z.enum(['release', 'void']).optional(),
    webhook: z
      .object({
        dropRate: Probability.optional(),
        duplicateRate: Probability.optional(),
        delayMs: z.number().int().min(0).max(86_400_000).optional(),
      })
      .strict()
      .optional(),
    dropExpiryNotification: z.boolean().optional(),
    refundFailureRate: Probability.optional(),
  })
  .strict();

const maxPayloadDepth = 64;
const payloadSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));

/** How deep a parsed JSON value nests, counted without recursion: a hostile body can nest thousands deep. */
function jsonDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next.value === null || typeof next.value !== 'object') continue;
    const depth = next.depth + 1;
    if (depth > maxPayloadDepth) return depth;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(next.value)) pending.push({ value: child, depth });
  }
  return deepest;
}

/** The initial DTO: a JSON object of at most 64 KiB that nests at most 64 levels. */
export const PayloadSchema = z
  .record(z.string(), z.unknown())
  .refine((value) => jsonDepth(value) <= maxPayloadDepth, { message: `must nest at most ${maxPayloadDepth} levels`, abort: true })
  .refine((value) => payloadSize(value) <= maxPayloadBytes, { message: 'must be at most 64 KiB of JSON' });

/** The initiate body of api.md. Amount and currency are parsed by the domain's rules. */
export const InitiateBodySchema = z.object({
  vendorId: UuidSchema,
  payerId: UuidSchema.optional(),
  amount: z.union([z.number(), z.string().max(40)]),
  currency: z.string().max(10).optional(),
  channel: z.enum(channels),
  kind: z.enum(transactionKinds).default('PAYMENT'),
  payload: PayloadSchema.default({}),
  serviceContext: z.string().max(500).optional(),
  simulation: SimulationSchema.optional(),
});
export type InitiateBody = z.infer<typeof InitiateBodySchema>;

/** The seed's request shape for POST /api/transactions/initiate. */
export const SeedInitiateBodySchema = z.object({
  vendorId: UuidSchema,
  amount: z.number(),
  currency: z.string().max(10).optional(),
  channel: z.enum(channels),
  initialPayloadJson: z.string().max(maxPayloadBytes).optional(),
  simulatedSuccessRate: Probability.optional(),
  serviceContext: z.string().max(500).optional(),
});

/** Amount and currency with the domain's rules; every problem names its field. */
export function parseMoney(amount: unknown, currency: string | undefined, limits: { minMinor: number; maxMinor: number }) {
  const errors: Array<{ path: string; message: string }> = [];
  let parsedCurrency: ReturnType<typeof parseCurrency> | undefined;
  let amountMinor: number | undefined;
  try {
    parsedCurrency = parseCurrency(currency);
  } catch (error) {
    if (error instanceof ValidationError) errors.push(...error.errors);
    else throw error;
  }
  try {
    amountMinor = parseAmount(amount, {
      field: 'amount',
      minMinor: limits.minMinor,
      maxMinor: limits.maxMinor,
      currency: parsedCurrency ?? 'INR',
    });
  } catch (error) {
    if (error instanceof ValidationError) errors.push(...error.errors);
    else throw error;
  }
  if (errors.length > 0 || amountMinor === undefined || parsedCurrency === undefined) throw new ValidationError(errors);
  return { amountMinor, currency: parsedCurrency };
}

/** What the facade's initiate takes, from a validated body: money parsed with the domain's rules (parseMoney). */
export function initiateInputOf(body: InitiateBody, limits: { minMinor: number; maxMinor: number }): InitiateInput {
  const money = parseMoney(body.amount, body.currency, limits);
  return {
    vendorId: body.vendorId,
    payerId: body.payerId ?? null,
    amountMinor: money.amountMinor,
    currency: money.currency,
    channel: body.channel,
    kind: body.kind,
    payload: body.payload as InitiateInput['payload'],
    serviceContext: body.serviceContext ?? null,
    simulation: body.simulation,
  };
}

/** The seed's `initialPayloadJson`: a JSON object as text, with the bounds of api.md's payload (64 KiB, nesting depth). */
export function parseInitialPayloadJson(text: string): Record<string, unknown> {
  const tooDeep = tooDeepJson(text);
  if (tooDeep) throw problems.field('initialPayloadJson', tooDeep.message);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw problems.validation('initialPayloadJson must be a JSON object', [
      { path: 'initialPayloadJson', message: 'must be a JSON object' },
    ]);
  }
  const refused = refusedContent(parsed, 'initialPayloadJson');
  if (refused) throw problems.field(refused.path, refused.message);
  const checked = PayloadSchema.safeParse(parsed);
  if (!checked.success) {
    const message =
      checked.error.issues[0]?.code === 'invalid_type' ? 'must be a JSON object' : (checked.error.issues[0]?.message ?? 'is invalid');
    throw problems.validation(`initialPayloadJson ${message}`, [{ path: 'initialPayloadJson', message }]);
  }
  return checked.data;
}
