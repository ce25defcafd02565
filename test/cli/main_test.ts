import { cpSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
let dir: string;

beforeAll(async () => {
  // ferry's sources and config without node_modules/: a clone before `deno task setup`.
  dir = await Deno.makeTempDir({ prefix: "ferry-cli-main-" });
  cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
  for (const file of ["deno.json", "deno.lock"]) cpSync(join(ROOT, file), join(dir, file));
});
afterAll(() => Deno.remove(dir, { recursive: true }));

describe("ferry's command line", () => {
  test("says to run `deno task setup` when its npm packages are not installed", async () => {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(dir, "src/cli/main.ts"), "classify", "--model", "m.onnx", "x/"],
      cwd: dir,
      stdout: "null",
      stderr: "piped",
    }).output();
    expect(new TextDecoder().decode(stderr).trim()).toBe(
      "ferry classify: ferry's npm packages are not installed: run `deno task setup`",
    );
    expect(code).toBe(1);
  });
});
