/** Debian's chromium, which the browser tests drive through playwright-core. */
export async function chromiumPath(): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", "command -v chromium"] }).output();
  const path = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !path) {
    throw new Error("Cannot find Debian's chromium on PATH: apt-get install -y chromium");
  }
  return path;
}
