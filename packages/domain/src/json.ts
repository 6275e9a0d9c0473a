import { z } from 'zod';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Any JSON value (finite numbers, no undefined). */
export const JsonValueSchema: z.ZodType<JsonValue> = z.json() as z.ZodType<JsonValue>;

export function isJsonObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
