import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readConfigFile, resolveConfig } from "../../src/config/mod.ts";
import { FerryError } from "../../src/errors.ts";

const defaults = { epochs: 50, seed: 42, data: "train/" };
const commands = ["train", "serve"];

describe("resolveConfig()", () => {
  test("takes defaults, then shared keys, then the command's section, then flags", () => {
    const file = {
      seed: 7,
      data: "shared/",
      train: { data: "section/", epochs: 3 },
      serve: { port: 1 },
    };
    expect(resolveConfig("train", defaults, file, { epochs: 9, seed: undefined }, commands))
      .toEqual({ epochs: 9, seed: 7, data: "section/" });
  });

  test("leaves out shared keys the command does not have", () => {
    const file = { port: 8080, seed: 1 };
    expect(resolveConfig("train", defaults, file, {}, commands)).toEqual({ ...defaults, seed: 1 });
  });

  test("refuses an unknown key in the command's own section, naming it", () => {
    const file = { train: { epochz: 3 } };
    expect(() => resolveConfig("train", defaults, file, {}, commands)).toThrow(
      /'train' section: unknown option epochz \(known: epochs, seed, data\)/,
    );
  });
});

describe("readConfigFile()", () => {
  test("names the file when it is missing or not a JSON object", async () => {
    const dir = await Deno.makeTempDir();
    const path = join(dir, "ferry.json");
    await expect(readConfigFile(path)).rejects.toThrow(/Cannot read config file '.*ferry\.json'/);
    await Deno.writeTextFile(path, "[1, 2]");
    const error = await readConfigFile(path).catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.message).toMatch(/expected a JSON object/);
    await Deno.writeTextFile(path, JSON.stringify({ train: { epochs: 2 } }));
    expect(await readConfigFile(path)).toEqual({ train: { epochs: 2 } });
    await Deno.remove(dir, { recursive: true });
  });
});
