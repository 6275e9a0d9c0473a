/** A mistake in how the CLI was called: exit code 2, one line naming what was wrong. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
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
 * Splits one command's arguments into options and positionals against the options it declares.
 * `--name value` and `--name=value`; the value is the next argument whatever it looks like, so
 * `--count -5` reaches the value check and is refused there with the range. `--` ends the options.
 */
export function parseCommandLine(command: string, options: Readonly<Record<string, OptionSpec>>, argv: readonly string[]): ParsedCommandLine {
  const positionals: string[] = [];
  const values = new Map<string, string | true>();
  let help = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!;
    if (argument === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (argument === '-h' || argument === '--help') {
      help = true;
      continue;
    }
    if (!argument.startsWith('-') || argument === '-') {
      positionals.push(argument);
      continue;
    }
    if (!argument.startsWith('--')) throw new UsageError(`unknown option ${argument}`, command);
    const equals = argument.indexOf('=');
    const name = argument.slice(2, equals === -1 ? undefined : equals);
    const spec = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!spec) {
      const known = Object.keys(options);
      throw new UsageError(`unknown option --${name}${known.length > 0 ? ` (options: ${known.map((option) => `--${option}`).join(', ')})` : ' (it takes no options)'}`, command);
    }
    if (values.has(name)) throw new UsageError(`--${name} is given twice`, command);
    if (spec.value === undefined) {
      if (equals !== -1) throw new UsageError(`--${name} takes no value`, command);
      values.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) value = argument.slice(equals + 1);
    else {
      value = argv[index + 1];
      index += 1;
    }
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value (${spec.value})`, command);
    values.set(name, value);
  }
  return { positionals, options: values, help };
}

/** A whole number in [min, max] from an option's text: digits only (no sign, fraction, exponent or hex). */
export function wholeNumberOption(parsed: ParsedCommandLine, command: string, name: string, fallback: number, min: number, max: number): number {
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
export function choiceOption<T extends string>(parsed: ParsedCommandLine, command: string, name: string, fallback: T, choices: readonly T[]): T {
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
