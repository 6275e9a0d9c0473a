import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called: exit code 2, one line naming what was wrong. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** The value's placeholder in the help (`N`, `R`); absent for a flag that takes no value. */
  readonly value?: string;
  readonly description: string;
}

export interface ParsedCommandLine {
  readonly positionals: readonly string[];
  readonly options: ReadonlyMap<string, string | true>;
  readonly help: boolean;
}

/**
 * Splits one command's arguments into options and positionals against the options it declares,
 * with node:util's parseArgs (strict): `--name value`, `--name=value`, `-h`, `--` ends the options.
 * Its errors become usage errors naming the option; an option given twice is refused.
 */
export function parseCommandLine(
  command: string,
  options: Readonly<Record<string, OptionSpec>>,
  argv: readonly string[],
): ParsedCommandLine {
  const config: ParseArgsConfig['options'] = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(options)) config[name] = { type: spec.value === undefined ? 'boolean' : 'string' };
  // parseArgs takes no value starting with a dash after a space; a negative number is a value here
  // (`--count -5` then meets the range check), so it goes as `--count=-5`.
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    const next = argv[index + 1];
    const name = argument.startsWith('--') && !argument.includes('=') ? argument.slice(2) : undefined;
    if (
      name !== undefined &&
      Object.hasOwn(options, name) &&
      options[name]!.value !== undefined &&
      next !== undefined &&
      /^-\d/.test(next)
    ) {
      args.push(`${argument}=${next}`);
      index += 1;
    } else {
      args.push(argument);
    }
    if (argument === '--') {
      args.push(...argv.slice(index + 1));
      break;
    }
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof config; strict: true; allowPositionals: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw new UsageError(usageMessageOf(error, options), command);
  }
  const seen = new Set<string>();
  const values = new Map<string, string | true>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.name === 'help') continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given twice`, command);
    seen.add(token.name);
    const spec = options[token.name]!;
    if (spec.value !== undefined && (token.value === undefined || token.value === ''))
      throw new UsageError(`--${token.name} needs a value (${spec.value})`, command);
    values.set(token.name, token.value ?? true);
  }
  return { positionals: parsed.positionals, options: values, help: parsed.values.help === true };
}

/** parseArgs's complaint in our words: the option it is about, and what the command takes. */
function usageMessageOf(error: unknown, options: Readonly<Record<string, OptionSpec>>): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  const known = Object.keys(options);
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}${known.length > 0 ? ` (options: ${known.map((name) => `--${name}`).join(', ')})` : ' (it takes no options)'}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const spec = options[option.replace(/^--/, '')];
      if (spec?.value === undefined) return `${option} takes no value`;
      // A missing value, or one that starts with a dash (`--count -5`): parseArgs takes neither.
      return /missing/.test(message)
        ? `${option} needs a value (${spec.value})`
        : `${option} takes a value starting with '-' only as ${option}=VALUE`;
    }
    default:
      return message.split('\n')[0]!;
  }
}

/** A whole number in [min, max] from an option's text: digits only (no sign, fraction, exponent or hex). */
export function wholeNumberOption(
  parsed: ParsedCommandLine,
  command: string,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = parsed.options.get(name);
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`, command);
  }
  return value;
}

/** A rate in [0, 1] from an option's text: a plain decimal (0, 1, 0.25, .5). */
export function rateOption(parsed: ParsedCommandLine, command: string, name: string, fallback: number): number {
  const raw = parsed.options.get(name);
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^(\d+(\.\d*)?|\.\d+)$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 0 && value <= 1)) throw new UsageError(`--${name} must be a rate from 0 to 1 (such as 0.8), got '${raw}'`, command);
  return value;
}

/** One of a few words. */
export function choiceOption<T extends string>(
  parsed: ParsedCommandLine,
  command: string,
  name: string,
  fallback: T,
  choices: readonly T[],
): T {
  const raw = parsed.options.get(name);
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${String(raw)}'`, command);
  }
  return raw as T;
}

/** Positionals beyond what the command takes. */
export function noMorePositionals(parsed: ParsedCommandLine, command: string, taken: number): void {
  const extra = parsed.positionals.slice(taken);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`, command);
}
