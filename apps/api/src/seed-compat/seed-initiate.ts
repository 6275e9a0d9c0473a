import { z } from 'zod';
import { channels, type Channel } from '@tracktrove/domain';
import { problems } from '../http/problem.ts';
import { UuidSchema } from '../schemas/common.ts';
import { parseInitialPayloadJson } from '../schemas/initiate.ts';

const maxPayloadJsonBytes = 64 * 1024;

/**
 * What the seed's initiate form and simulation panel send. The seed's backend took channel and
 * currency as free text and the success rate without a range; the mappings below say what
 * TrackTrove makes of each (docs/seed-compatibility.md).
 */
export const SeedCompatInitiateBodySchema = z.object({
  vendorId: UuidSchema,
  amount: z.union([z.number(), z.string().max(40)]),
  currency: z.string().max(10).nullish(),
  channel: z.string().max(40).nullish(),
  initialPayloadJson: z.string().max(maxPayloadJsonBytes).nullish(),
  simulatedSuccessRate: z.number().min(0).max(100).nullish(),
  serviceContext: z.string().max(500).nullish(),
});
export type SeedCompatInitiateBody = z.infer<typeof SeedCompatInitiateBodySchema>;

/** Where the seed's raw values are kept, in the recorded initial payload, when TrackTrove mapped them. */
export const seedRequestKey = 'seedRequest';

/**
 * The channel: a TrackTrove channel (any case) is itself; anything else the seed's free-text
 * field allows (a card network, a wallet, nothing) arrived through the API, so it is API.
 */
export function channelOfSeed(raw: string | null | undefined): Channel {
  const name = raw?.trim().toUpperCase() ?? '';
  return (channels as readonly string[]).includes(name) ? (name as Channel) : 'API';
}

/**
 * The success rate: 0 to 1 is a probability, as the seed's form sends it; above 1 (up to 100) is a
 * percentage, as its simulation panel sends it. Absent: TrackTrove's default.
 */
export function successRateOfSeed(raw: number | null | undefined): number | undefined {
  if (raw === null || raw === undefined) return undefined;
  return raw > 1 ? raw / 100 : raw;
}

/** The seed's body as TrackTrove's initiate input, with the raw values it mapped kept in the payload. */
export function initiateOfSeed(body: SeedCompatInitiateBody) {
  const channel = channelOfSeed(body.channel);
  const successRate = successRateOfSeed(body.simulatedSuccessRate);
  const payload = body.initialPayloadJson ? parseInitialPayloadJson(body.initialPayloadJson) : {};
  if (seedRequestKey in payload)
    throw problems.field(`initialPayloadJson.${seedRequestKey}`, 'is reserved for the seed request TrackTrove records');
  const mapped: Record<string, unknown> = {};
  if (body.channel !== undefined && body.channel !== null && body.channel !== channel) mapped.channel = body.channel;
  if (successRate !== undefined && successRate !== body.simulatedSuccessRate) mapped.simulatedSuccessRate = body.simulatedSuccessRate;
  return {
    vendorId: body.vendorId,
    amount: body.amount,
    currency: body.currency ?? undefined,
    channel,
    payload: Object.keys(mapped).length > 0 ? { ...payload, [seedRequestKey]: mapped } : payload,
    serviceContext: body.serviceContext ?? null,
    simulation: successRate === undefined ? undefined : { successRate },
  };
}
