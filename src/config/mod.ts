/**
 * Configuration files and the resolved configuration: defaults < config file < flags.
 *
 * A config file is JSON. Its top-level keys may be command names (`"train": {…}`), each holding
 * that command's options; any other top-level keys apply to every command.
 *
 * @module
 */
import { FerryError } from "../errors.ts";

/** A plain JSON object of options. */
export type ConfigObject = Record<string, unknown>;

/** Reads a JSON config file, with errors that name the file. */
export async function readConfigFile(path: string): Promise<ConfigObject> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot read config file '${path}': ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new FerryError(
      "usage",
      `Cannot parse config file '${path}': ${(error as Error).message}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FerryError("usage", `Cannot use config file '${path}': expected a JSON object`);
  }
  return parsed as ConfigObject;
}

/**
 * Merges defaults, the config file's section for `command` (and its shared keys), and flags
 * (undefined flags do not override). Only options the command has are taken: shared keys it does
 * not know belong to other commands, and an unknown key in its own section is a usage error.
 */
export function resolveConfig<T extends object>(
  command: string,
  defaults: T,
  file: ConfigObject | undefined,
  flags: Partial<T>,
  commandNames: readonly string[] = [],
): T {
  const known = (key: string) => Object.hasOwn(defaults, key);
  const shared = Object.fromEntries(
    Object.entries(file ?? {}).filter(([key]) => !commandNames.includes(key) && known(key)),
  );
  const section = file?.[command] ?? {};
  if (typeof section !== "object" || section === null || Array.isArray(section)) {
    throw new FerryError(
      "usage",
      `Cannot use the config file's '${command}' section: expected an object`,
    );
  }
  const unknown = Object.keys(section).filter((key) => !known(key));
  if (unknown.length > 0) {
    throw new FerryError(
      "usage",
      `Cannot use the config file's '${command}' section: unknown option ${unknown.join(", ")} ` +
        `(known: ${Object.keys(defaults).join(", ")})`,
    );
  }
  const given = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...defaults, ...shared, ...section, ...given } as T;
}

/** The resolved config as printed at start and saved beside every output. */
export function formatConfig(config: object): string {
  return JSON.stringify(config, null, 2);
}
