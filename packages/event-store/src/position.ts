/**
 * A position in the global log: the writing transaction's id and the event's sequence number.
 * Encoded as a fixed-width hex string, so that string order is log order. Clients treat it as
 * opaque: they pass it back, they never do arithmetic on it.
 */
export interface LogPosition {
  readonly txId: bigint;
  readonly seq: bigint;
}

export const startOfLog: LogPosition = { txId: 0n, seq: 0n };

const width = 16;
const pattern = /^[0-9a-f]{16}-[0-9a-f]{16}$/;

const hexOfDecimal = (decimal: string): string =>
  // Below 2^53 a Number converts exactly and much faster than a BigInt.
  (decimal.length <= 15 ? Number(decimal).toString(16) : BigInt(decimal).toString(16)).padStart(width, '0');

/** Encodes a position straight from the decimal strings PostgreSQL sends for xid8 and bigint. */
export function encodePositionFromText(txId: string, seq: string): string {
  return `${hexOfDecimal(txId)}-${hexOfDecimal(seq)}`;
}

export function encodePosition(position: LogPosition): string {
  return `${position.txId.toString(16).padStart(width, '0')}-${position.seq.toString(16).padStart(width, '0')}`;
}

export function isPosition(value: string): boolean {
  return pattern.test(value);
}

export class InvalidPositionError extends Error {
  readonly code = 'invalid_position';
  constructor(readonly value: string) {
    super(`not a log position: ${JSON.stringify(value.slice(0, 80))}`);
    this.name = 'InvalidPositionError';
  }
}

export function decodePosition(value: string): LogPosition {
  if (value === 'start') return startOfLog;
  if (!isPosition(value)) throw new InvalidPositionError(value);
  const [tx, seq] = value.split('-') as [string, string];
  return { txId: BigInt(`0x${tx}`), seq: BigInt(`0x${seq}`) };
}

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.txId !== b.txId) return a.txId < b.txId ? -1 : 1;
  if (a.seq !== b.seq) return a.seq < b.seq ? -1 : 1;
  return 0;
}

export function positionFromRow(row: { tx_id: string; seq: string }): LogPosition {
  return { txId: BigInt(row.tx_id), seq: BigInt(row.seq) };
}
