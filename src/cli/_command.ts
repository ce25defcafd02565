import { parseArgs } from "node:util";
import { type ConfigObject, readConfigFile, resolveConfig } from "../config/mod.ts";
import { FerryError } from "../errors.ts";

/** Every command's name: a config file's top-level keys with these names are per-command sections. */
export const COMMAND_NAMES = ["train", "export", "evaluate", "serve", "classify", "experiment"];

/**
 * A command's resolved configuration: defaults < the `--config` file (its shared keys, then the
 * command's own section) < flags.
 */
export async function resolveCommandConfig<T extends object>(
  command: string,
  defaults: T,
  values: ParsedFlags["values"],
  flags: Partial<T>,
): Promise<T> {
  const path = stringFlag(values, "config");
  const file: ConfigObject | undefined = path === undefined
    ? undefined
    : await readConfigFile(path);
  return resolveConfig(command, defaults, file, flags, COMMAND_NAMES);
}

/** One flag of a command, as `--help` shows it and the parser reads it. */
export interface FlagSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown in `--help`; the library's own default applies when the flag is absent. */
  default?: string | boolean | number;
  short?: string;
  multiple?: boolean;
  /** For `--help`: what the value looks like, e.g. "FILE" or "0.1". */
  value?: string;
  /** The value is a number: an environment variable that holds none is refused where it is read. */
  number?: boolean;
}

/** A subcommand: flags in, exit code out. */
export interface Command {
  name: string;
  summary: string;
  /** Usage line after `ferry <name>`, e.g. "[options] <folder…>". */
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Lines of examples shown under `--help`. */
  examples?: string[];
  /**
   * Each flag may also come from the environment variable with this prefix and the flag's name in
   * upper snake case (`--max-batch` → `FERRY_MAX_BATCH`); a flag on the command line wins.
   */
  envPrefix?: string;
  run(parsed: ParsedFlags): Promise<number>;
}

/** The `--config` flag that every configurable command takes (see `resolveCommandConfig`). */
export const CONFIG_FLAG: FlagSpec = {
  type: "string",
  value: "FILE",
  description: "JSON config file: shared keys and a section per command; flags override it",
};

/** Flags and positionals after parsing. */
export interface ParsedFlags {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  /** The arguments as given, after the command's name. */
  args: string[];
}

/** Formats `--help` for one command from its flag specs, so help can never drift from the parser. */
export function helpText(command: Command): string {
  const rows = Object.entries(command.flags).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    const value = spec.type === "string" ? ` <${spec.value ?? "value"}>` : "";
    const shown = spec.default === undefined ? "" : ` (default: ${spec.default})`;
    const env = command.envPrefix ? ` [env: ${envName(command.envPrefix, name)}]` : "";
    return [`  ${short}--${name}${value}`, `${spec.description}${shown}${env}`] as const;
  });
  rows.push(["      --help", "Show this help"] as const);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [
    `ferry ${command.name} — ${command.summary}`,
    "",
    `Usage: ferry ${command.name} ${command.usage}`,
    "",
    "Options:",
    ...rows.map(([left, right]) => `${left.padEnd(width)}${right}`),
  ];
  if (command.examples?.length) {
    lines.push(
      "",
      "Examples:",
      ...command.examples.map((e) => `  ${e}`),
    );
  }
  return lines.join("\n");
}

/** Parses `args` against the command's flags; unknown flags are a usage error naming the flag. */
export function parseFlags(command: Command, args: string[]): ParsedFlags & { help: boolean } {
  const options: Record<
    string,
    { type: "string" | "boolean"; short?: string; multiple?: boolean }
  > = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(command.flags)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
      allowNegative: true,
    });
  } catch (error) {
    throw new FerryError(
      "usage",
      `Cannot parse flags for 'ferry ${command.name}': ${(error as Error).message}`,
    );
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  delete values.help;
  const fromEnv = command.envPrefix && !help ? envValues(command.flags, command.envPrefix) : {};
  return { values: { ...fromEnv, ...values }, positionals, args, help };
}

/** The environment variable of a flag: `FERRY_` and `max-batch` → `FERRY_MAX_BATCH`. */
export function envName(prefix: string, flag: string): string {
  return prefix + flag.toUpperCase().replaceAll("-", "_");
}

const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off"];

/** The flags set by environment variables, read as the parser would have read them. */
function envValues(flags: Record<string, FlagSpec>, prefix: string): ParsedFlags["values"] {
  const values: ParsedFlags["values"] = {};
  for (const [flag, spec] of Object.entries(flags)) {
    const name = envName(prefix, flag);
    const raw = Deno.env.get(name);
    if (raw === undefined) continue;
    if (spec.type === "boolean") {
      const word = raw.trim().toLowerCase();
      if (!TRUE.includes(word) && !FALSE.includes(word)) {
        throw new FerryError("usage", `Cannot use ${name}: expected true or false, got '${raw}'`);
      }
      values[flag] = TRUE.includes(word);
    } else if (spec.number && (raw.trim() === "" || !Number.isFinite(Number(raw)))) {
      throw new FerryError("usage", `Cannot use ${name}: expected a number, got '${raw}'`);
    } else {
      values[flag] = spec.multiple ? [raw] : raw;
    }
  }
  return values;
}

/** Reads a string flag as a number, with a message naming the flag and the value when it is not one. */
export function numberFlag(values: ParsedFlags["values"], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) {
    throw new FerryError("usage", `Cannot use --${name}: expected a number, got '${raw}'`);
  }
  return n;
}

/** Reads a string flag. */
export function stringFlag(values: ParsedFlags["values"], name: string): string | undefined {
  const raw = values[name];
  return typeof raw === "string" ? raw : undefined;
}

/** Reads a boolean flag. */
export function booleanFlag(values: ParsedFlags["values"], name: string): boolean | undefined {
  const raw = values[name];
  return typeof raw === "boolean" ? raw : undefined;
}

/** Reads a repeatable string flag; comma-separated values are split too (`--labels a,b --labels c`). */
export function listFlag(values: ParsedFlags["values"], name: string): string[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const items = (Array.isArray(raw) ? raw : [raw]).map(String);
  return items.flatMap((item) => item.split(",")).map((s) => s.trim()).filter((s) => s.length > 0);
}
