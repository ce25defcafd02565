import { join } from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { kill, report, tinyModel } from "./_ferry.ts";

const IMAGES = 300;
let model: string;
let photos: string;

beforeAll(async () => {
  model = await tinyModel();
  photos = await Deno.makeTempDir({ prefix: "ferry-chaos-photos-" });
  const colours = [{ r: 220, g: 10, b: 10 }, { r: 10, g: 220, b: 10 }, { r: 10, g: 10, b: 220 }];
  for (let i = 0; i < IMAGES; i++) {
    const folder = join(photos, `part${i % 4}`);
    await Deno.mkdir(folder, { recursive: true });
    const background = colours[i % 3]!;
    const jpeg = await sharp({ create: { width: 24, height: 24, channels: 3, background } })
      .jpeg({ quality: 50 + (i % 40) }).toBuffer();
    await Deno.writeFile(join(folder, `img${String(i).padStart(4, "0")}.jpg`), jpeg);
  }
});

function classify(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/main.ts", "classify", "--model", model, ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** Resolves once `path` holds at least `rows` lines (polling: the run writes in batches). */
async function untilRows(path: string, rows: number, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  while (!exited) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (text.split("\n").length > rows) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("ferry classify under kills and concurrent runs", () => {
  it("refuses a second run on the same --out at once with exit code 11 and leaves the first run's file whole", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-chaos-lock-" });
    const out = join(dir, "same.csv");
    const first = classify([photos, "--out", out, "--batch-size", "8"]);
    await untilRows(out, 2, first);
    // Held still, so that it is mid-run however fast the machine: its lock stays held.
    kill(first.pid, "SIGSTOP");
    const started = performance.now();
    const second = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "src/cli/main.ts", "classify", "--model", model, photos, "--out", out],
      stdout: "null",
      stderr: "piped",
    }).output();
    const refusedMs = performance.now() - started;
    kill(first.pid, "SIGCONT");
    expect(second.code).toBe(11);
    expect(new TextDecoder().decode(second.stderr)).toMatch(/another ferry classify is writing it/);
    expect((await first.status).code).toBe(0);
    const rows = (await Deno.readTextFile(out)).trim().split("\n");
    report("two-runs-one-out", { rows: rows.length - 1, refusedMs: Math.round(refusedMs) });
    expect(rows.length).toBe(IMAGES + 1);
    expect(new Set(rows).size).toBe(rows.length);
  });

  for (const link of [false, true]) {
    it(`sorts every image exactly once after two SIGKILLs and --resume (${link ? "links" : "copies"})`, async () => {
      const dir = await Deno.makeTempDir({ prefix: "ferry-chaos-sort-" });
      const out = join(dir, "labels.csv");
      const sorted = join(dir, "sorted");
      const args = [photos, "--out", out, "--sort-into", sorted, "--batch-size", "4", "--resume"];
      if (link) args.push("--link");
      const killed: (string | null)[] = [];
      for (const rows of [30, 120]) {
        const run = classify(args);
        await untilRows(out, rows, run);
        kill(run.pid, "SIGKILL");
        killed.push((await run.status).signal);
      }
      expect(killed).toEqual(["SIGKILL", "SIGKILL"]);
      const last = classify(args);
      expect((await last.status).code).toBe(0);

      const placed: string[] = [];
      let empty = 0;
      for await (const label of Deno.readDir(sorted)) {
        for await (const entry of Deno.readDir(join(sorted, label.name))) {
          placed.push(entry.name);
          const info = await Deno.stat(join(sorted, label.name, entry.name));
          if (info.size === 0) empty++;
        }
      }
      const rows = (await Deno.readTextFile(out)).trim().split("\n").slice(1);
      report(`sigkill-sort-into-${link ? "link" : "copy"}`, {
        images: IMAGES,
        kills: 2,
        placed: placed.length,
        distinct: new Set(placed).size,
        empty,
        rows: rows.length,
      });
      expect(placed.length).toBe(IMAGES);
      expect(new Set(placed).size).toBe(IMAGES);
      expect(placed.every((name) => /^img\d{4}\.jpg$/.test(name))).toBe(true);
      expect(empty).toBe(0);
      expect(rows.length).toBe(IMAGES);
      expect(new Set(rows.map((r) => r.split(",")[0])).size).toBe(IMAGES);
    });
  }
});
