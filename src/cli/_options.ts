/**
 * A command's options as one table: each key of its configuration with the flag that sets it and
 * the line `--help` shows, so that flags, help and parsing are written once per option.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import {
  booleanFlag,
  type FlagSpec,
  listFlag,
  numberFlag,
  type ParsedFlags,
  stringFlag,
} from "./_command.ts";

/** How a flag's text becomes a configuration value. */
export type OptionKind = "string" | "number" | "boolean" | "list";

/** One option: the flag that sets a configuration key, and what `--help` says of it. */
export interface OptionSpec {
  description: string;
  /** For `--help`: what the value looks like ("N", "FILE"); boolean flags take none. */
  value?: string;
  /** The flag's name. @default the key in kebab-case (`maxWaitMs` → `max-wait-ms`) */
  flag?: string;
  /** @default from the default value's type; "string" where the default is null */
  kind?: OptionKind;
  /** The values allowed (each item of a list), checked as the flag is read. */
  choices?: readonly string[];
  short?: string;
  /** The default `--help` shows, where the configuration's own would not say it well. */
  shown?: string | number | boolean;
}

/** A command's options by configuration key. */
export type OptionTable<C> = { readonly [K in keyof C]?: OptionSpec };

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function entries<C extends object>(table: OptionTable<C>, defaults: Readonly<C>) {
  return Object.entries(table as Record<string, OptionSpec>).map(([key, spec]) => {
    const fallback = (defaults as Record<string, unknown>)[key];
    const kind: OptionKind = spec.kind ??
      (Array.isArray(fallback)
        ? "list"
        : typeof fallback === "number"
        ? "number"
        : typeof fallback === "boolean"
        ? "boolean"
        : "string");
    return { key, spec, flag: spec.flag ?? kebab(key), kind, fallback };
  });
}

/** What `--help` shows as an option's default: nothing for an empty one. */
function shownDefault(spec: OptionSpec, fallback: unknown): string | number | boolean | undefined {
  if (spec.shown !== undefined) return spec.shown;
  if (Array.isArray(fallback)) return fallback.length > 0 ? fallback.join(",") : undefined;
  if (fallback === null || fallback === "" || typeof fallback === "object") return undefined;
  return fallback as string | number | boolean;
}

/** The flags of an option table, for a command's `flags`. */
export function optionFlags<C extends object>(
  table: OptionTable<C>,
  defaults: NoInfer<Readonly<C>>,
): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = {};
  for (const { spec, flag, kind, fallback } of entries(table, defaults)) {
    const shown = shownDefault(spec, fallback);
    flags[flag] = {
      type: kind === "boolean" ? "boolean" : "string",
      description: spec.description,
      ...(shown === undefined ? {} : { default: shown }),
      ...(spec.value ? { value: spec.value } : {}),
      ...(spec.short ? { short: spec.short } : {}),
      ...(kind === "list" ? { multiple: true } : {}),
      ...(kind === "number" ? { number: true } : {}),
    };
  }
  return flags;
}

/** The options the flags give, by configuration key; flags not given are left undefined. */
export function optionValues<C extends object>(
  table: OptionTable<C>,
  defaults: NoInfer<Readonly<C>>,
  values: ParsedFlags["values"],
): Partial<C> {
  const given: Record<string, unknown> = {};
  for (const { key, spec, flag, kind } of entries(table, defaults)) {
    const value = kind === "boolean"
      ? booleanFlag(values, flag)
      : kind === "number"
      ? numberFlag(values, flag)
      : kind === "list"
      ? listFlag(values, flag)
      : stringFlag(values, flag);
    if (spec.choices && value !== undefined) checkChoices(flag, spec.choices, value);
    given[key] = value;
  }
  return given as Partial<C>;
}

function checkChoices(flag: string, choices: readonly string[], value: unknown): void {
  for (const item of Array.isArray(value) ? value : [value]) {
    if (!choices.includes(item)) {
      throw new FerryError(
        "usage",
        `Cannot use --${flag}: expected ${choices.join(", ")}, got '${item}'`,
      );
    }
  }
}
