/**
 * `deno task test:container`: the image test, which needs buildah (and, the first time,
 * mmdebstrap and podman to make a local Debian base). Without buildah it says so and passes.
 *
 * @module
 */
const found = await new Deno.Command("sh", { args: ["-c", "command -v buildah"], stdout: "null" })
  .output();
if (!found.success) {
  console.log("test:container: skipped: buildah is not installed (apt-get install buildah)");
  Deno.exit(0);
}
const { code } = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "npm:vitest@5.1.1", "run", "--config", "test/container/vitest.config.ts"],
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
