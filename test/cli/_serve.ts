/** A real `ferry serve` process for CLI tests. */

/** Starts `ferry serve` and resolves once it says where it listens. */
export async function startServe(args: string[], env: Record<string, string> = {}, processes = 1) {
  const child = new Deno.Command(Deno.execPath(), {
    // --unstable-net: for FERRY_REUSE_PORT, as the supervisor passes it to its workers.
    args: ["run", "-A", "--unstable-net", "src/cli/main.ts", "serve", ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  let said = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let base: string | undefined;
  while (base === undefined || (said.match(/listening on/g)?.length ?? 0) < processes) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`ferry serve exited before listening:\n${said}`);
    said += value;
    base = /listening on (http:\/\/[\d.]+:\d+)/.exec(said)?.[1];
  }
  const rest = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) said += r.value;
    return said;
  })();
  return { child, base, stdout, stderr: rest };
}
