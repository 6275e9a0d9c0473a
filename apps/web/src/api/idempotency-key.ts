/** A fresh key per user action, so a retried click never doubles a command. */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
