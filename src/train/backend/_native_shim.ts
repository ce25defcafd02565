/**
 * The one runtime quirk between tfjs-node and Deno: tfjs-node 4.22 calls the legacy `util.is*`
 * helpers (`util.isNullOrUndefined` in its kernel backend), which Node deprecated and Deno's
 * `node:util` leaves out. Deno hands CommonJS `require("util")` the same object as `node:util`,
 * so defining the missing helpers there, and only the missing ones, lets tfjs-node load unchanged.
 *
 * @module
 */

import util from "node:util";

const LEGACY_IS: Record<string, (value: unknown) => boolean> = {
  isArray: Array.isArray,
  isBoolean: (value) => typeof value === "boolean",
  isFunction: (value) => typeof value === "function",
  isNull: (value) => value === null,
  isNullOrUndefined: (value) => value === null || value === undefined,
  isNumber: (value) => typeof value === "number",
  isObject: (value) => value !== null && typeof value === "object",
  isPrimitive: (value) =>
    value === null || (typeof value !== "object" && typeof value !== "function"),
  isString: (value) => typeof value === "string",
  isSymbol: (value) => typeof value === "symbol",
  isUndefined: (value) => value === undefined,
};

/** Defines the legacy `util.is*` helpers that this runtime lacks; returns the names it added. */
export function installLegacyUtilShim(): string[] {
  const target = util as unknown as Record<string, unknown>;
  const added: string[] = [];
  for (const [name, fn] of Object.entries(LEGACY_IS)) {
    if (typeof target[name] !== "function") {
      target[name] = fn;
      added.push(name);
    }
  }
  return added;
}
