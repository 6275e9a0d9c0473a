import { createHmac, timingSafeEqual } from 'node:crypto';

export const signatureHeaderName = 'TrackTrove-Signature';
export const defaultSignatureToleranceS = 300;

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

/** A webhook whose signature does not verify (HTTP 400, nothing changes). */
export class WebhookSignatureError extends Error {
  readonly code = 'validation_failed' as const;
  readonly errors: { path: string; message: string }[];
  constructor(
    readonly problem: SignatureProblem,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
    this.errors = [{ path: `headers.${signatureHeaderName.toLowerCase()}`, message }];
  }
}

function hmacHex(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
}

/** The header value `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, body)}`;
}

/**
 * Checks the header against the raw body: well formed, the timestamp within `toleranceS` of now
 * (wall-clock seconds), and one v1 signature equal (timing-safe) to the expected HMAC.
 * Throws WebhookSignatureError; answers the signed timestamp.
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string,
  header: string | undefined | null,
  nowUnixSeconds: number,
  toleranceS: number = defaultSignatureToleranceS,
): number {
  if (!header) throw new WebhookSignatureError('missing', `the ${signatureHeaderName} header is missing`);
  if (header.length > 1000) throw new WebhookSignatureError('malformed', 'the signature header is too long');
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const index = part.indexOf('=');
    if (index <= 0) throw new WebhookSignatureError('malformed', 'the signature header must be t=<unix seconds>,v1=<hex>');
    const key = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) throw new WebhookSignatureError('malformed', 't must be unix seconds');
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) throw new WebhookSignatureError('malformed', 'v1 must be 64 hex digits');
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === null || signatures.length === 0) throw new WebhookSignatureError('malformed', 'the signature header needs t and v1');
  if (Math.abs(nowUnixSeconds - timestamp) > toleranceS) {
    throw new WebhookSignatureError('stale', `the signature timestamp is more than ${toleranceS} s away from now`);
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  const matches = signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected));
  if (!matches) throw new WebhookSignatureError('mismatch', 'the signature does not match the body');
  return timestamp;
}
