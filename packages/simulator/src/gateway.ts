import type { SimulationSettings, TransactionState } from '@tracktrove/domain';
import { seededRandom, uuidV5 } from '@tracktrove/common';
import { magicEffectOf } from './magic-amounts.ts';

export type AuthorizationDecision =
  | {
      readonly outcome: 'authorized';
      readonly holdId: string;
      readonly expiresAt: string;
      readonly durationMs: number;
      readonly forcedBy: string | null;
    }
  | {
      readonly outcome: 'declined';
      readonly reason: string;
      readonly code: string;
      readonly durationMs: number;
      readonly forcedBy: string | null;
    };

const declineCodes = [
  { code: 'card_declined', reason: 'the issuer declined the card' },
  { code: 'insufficient_funds', reason: 'insufficient funds' },
  { code: 'issuer_unavailable', reason: 'the issuer did not answer in time' },
  { code: 'do_not_honor', reason: 'do not honor' },
] as const;

export const gatewayLimits = { maxLatencyMs: 30_000 } as const;

/**
 * The simulated gateway's authorization. Deterministic: the roll comes from the seeded PRNG on
 * (simulation seed, attempt), so the same seed gives the same outcome, whatever the transaction's id. Magic amounts
 * win over the success rate. The hold expires escrowTtlMs after `now` (sandbox time). `simulation`:
 * the settings in force (the transaction's own with today's global overrides; default: those
 * recorded at initiation).
 */
export function authorize(input: {
  state: TransactionState;
  simulation?: SimulationSettings;
  attempt: number;
  now: Date;
  latencyMs?: number;
}): AuthorizationDecision {
  const { state, attempt, now } = input;
  const simulation = input.simulation ?? state.simulation;
  const random = seededRandom(simulation.seed, attempt, 'authorize');
  const roll = random();
  const jitterMs = Math.floor(random() * 20);
  const durationMs = Math.min(gatewayLimits.maxLatencyMs, Math.max(0, Math.round(input.latencyMs ?? 0)) + jitterMs);
  const approve = (forcedBy: string | null): AuthorizationDecision => ({
    outcome: 'authorized',
    // The stream version too: an authorization again at the same attempt (after an override) is a new hold.
    holdId: uuidV5(`hold|${state.transactionId}|${attempt}|${state.version}`),
    expiresAt: new Date(now.getTime() + simulation.escrowTtlMs).toISOString(),
    durationMs,
    forcedBy,
  });
  const magic = magicEffectOf(state.amountMinor);
  if (magic?.kind === 'approve') return approve('magic_amount');
  if (magic?.kind === 'decline' && (!magic.firstAttemptOnly || attempt === 1)) {
    return { outcome: 'declined', reason: magic.reason, code: magic.code, durationMs, forcedBy: 'magic_amount' };
  }
  if (magic?.kind === 'decline') return approve('magic_amount');
  if (roll < simulation.successRate) return approve(null);
  const decline = declineCodes[Math.floor(random() * declineCodes.length)] ?? declineCodes[0];
  return { outcome: 'declined', reason: decline.reason, code: decline.code, durationMs, forcedBy: null };
}
