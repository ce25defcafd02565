import { join } from "node:path";

/**
 * The folder where ferry keeps downloads and decoded-tensor caches: `$FERRY_CACHE_DIR`, else
 * `$XDG_CACHE_HOME/ferry`, else `~/.cache/ferry` (the XDG default).
 */
export function ferryCacheDir(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const explicit = env("FERRY_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = env("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "ferry");
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) return join(Deno.cwd(), ".ferry-cache");
  return join(home, ".cache", "ferry");
}
