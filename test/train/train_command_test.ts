import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";
import { setUpTiny, TINY_ARCHITECTURE, writeColourFolder } from "./_tiny.ts";

let root = "";
let data = "";

beforeAll(async () => {
  await setUpTiny();
  root = await Deno.makeTempDir({ prefix: "ferry-train-cli-" });
  Deno.env.set("FERRY_CACHE_DIR", join(root, "cache"));
  data = await writeColourFolder(join(root, "data"), 8);
});

afterAll(async () => {
  Deno.env.delete("FERRY_CACHE_DIR");
  vi.restoreAllMocks();
  await Deno.remove(root, { recursive: true });
});

/** Runs `ferry train …` and returns its exit code and what it wrote to stderr. */
async function train(args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const decoder = new TextDecoder();
  const write = vi.spyOn(Deno.stderr, "writeSync").mockImplementation((bytes: Uint8Array) => {
    lines.push(decoder.decode(bytes));
    return bytes.length;
  });
  const error = vi.spyOn(console, "error").mockImplementation((...parts: unknown[]) => {
    lines.push(parts.join(" "));
  });
  try {
    return { code: await main(["train", ...args]), stderr: lines.join("") };
  } finally {
    write.mockRestore();
    error.mockRestore();
  }
}

describe("ferry train", () => {
  it("trains from flags and a config file, prints the resolved config and epoch lines", async () => {
    const config = join(root, "config.json");
    await Deno.writeTextFile(config, JSON.stringify({ train: { epochs: 2, batchSize: 6 } }));
    const { code, stderr } = await train([
      data,
      "--config",
      config,
      "--epochs",
      "1",
      "--architecture",
      TINY_ARCHITECTURE,
      "--backend",
      "cpu",
      "--out-dir",
      join(root, "runs"),
      "--run",
      "cli",
      "--val-split",
      "0.25",
      "--no-augment",
    ]);
    expect(stderr).toContain('"batchSize": 6');
    expect(stderr).toContain('"augment": false');
    expect(stderr).toMatch(
      /Epoch 1\/1 3\/3 - \d+s \d+ms\/step - accuracy: [\d.]+ - loss: [\d.]+ - val_accuracy/,
    );
    expect(stderr).toMatch(/Done: 1 epochs, weights of epoch 1; validation accuracy/);
    expect(code).toBe(0);
    const saved = JSON.parse(await Deno.readTextFile(join(root, "runs", "cli", "config.json")));
    expect(saved).toMatchObject({ epochs: 1, batchSize: 6, augment: false, valSplit: 0.25 });
  });

  it("answers a bad value with exit code 2 and a message naming the flag", async () => {
    const { code, stderr } = await train([data, "--epochs", "0", "--backend", "cpu"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Cannot train: 'epochs' must be a positive integer, got 0");
  });

  it("says which run it cannot resume", async () => {
    const { code, stderr } = await train(["--resume", join(root, "nothing-here")]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/Cannot resume '.*nothing-here'/);
  });
});
