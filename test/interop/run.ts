/**
 * Runs every interop check in this folder (each `*.ts` file other than this runner and the
 * `_`-prefixed helpers) as its own process; a check passes when it exits 0. Prints one line per
 * check and the totals. `deno task test:interop` runs this.
 *
 * @module
 */
const here = new URL(".", import.meta.url);
const checks = [...Deno.readDirSync(here)]
  .map((e) => e.name)
  .filter((name) => name.endsWith(".ts") && !name.startsWith("_") && name !== "run.ts")
  .sort();
let passed = 0, failed = 0;
for (const name of checks) {
  const started = performance.now();
  console.log(`== ${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(name, here).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${code === 0 ? "PASS" : "FAIL"} ${name} (${seconds} s)`);
  if (code === 0) passed++;
  else failed++;
}
console.log(`interop: ${passed} passed, ${failed} failed`);
Deno.exit(failed === 0 && checks.length > 0 ? 0 : 1);
