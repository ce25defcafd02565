import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadCifar10, parseCifar10Batches } from "../../src/data/mod.ts";
import { FerryError } from "../../src/errors.ts";
import type { Reporter } from "../../src/progress/mod.ts";
import { cifarBatch, cifarFiles, CLASS_NAMES, gzip, tar } from "./_archive.ts";

let archive: Uint8Array;
let md5: string;
const servers: { shutdown(): Promise<void> }[] = [];

beforeAll(async () => {
  archive = await gzip(tar(cifarFiles()));
  md5 = createHash("md5").update(archive).digest("hex");
});

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.shutdown()));
  await Promise.all(temps.splice(0).map((path) => Deno.remove(path, { recursive: true })));
});

/** An HTTP server on 127.0.0.1 that answers every request with `body`. */
function serve(body: Uint8Array): string {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(body.slice(), { headers: { "content-length": String(body.length) } }),
  );
  servers.push(server);
  return `http://127.0.0.1:${server.addr.port}/cifar-10-binary.tar.gz`;
}

/** A raw TCP server that promises the whole archive, sends half of it and hangs up. */
function serveHalf(body: Uint8Array): string {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096));
      const head = `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`;
      await conn.write(new TextEncoder().encode(head));
      await conn.write(body.subarray(0, body.length >> 1));
      conn.close();
    }
  })().catch(() => {});
  servers.push({ shutdown: () => Promise.resolve(listener.close()) });
  return `http://127.0.0.1:${listener.addr.port}/cifar-10-binary.tar.gz`;
}

function recorder() {
  const ticks: number[] = [];
  const totals: (number | undefined)[] = [];
  const reporter: Reporter = {
    task: (_label, total) => {
      totals.push(total);
      return { tick: (n = 1) => void ticks.push(n), done() {} };
    },
    info() {},
    warn() {},
  };
  return { reporter, ticks, totals };
}

const tempDir = async () => {
  const path = await Deno.makeTempDir({ prefix: "ferry-cifar-" });
  temps.push(path);
  return path;
};
const listDir = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);

function expectParsed(
  train: { count: number; labels: Uint8Array; images: Uint8Array; classNames: string[] },
) {
  expect(train.count).toBe(15);
  expect(train.classNames).toEqual(CLASS_NAMES);
  expect([...train.labels]).toEqual(Array.from({ length: 15 }, (_, n) => n % 10));
  // Image 7, pixel 300 (row 9, column 12): red = 7, green = 300 % 256, blue = 255 − that.
  const at = (7 * 1024 + 300) * 3;
  expect([...train.images.subarray(at, at + 3)]).toEqual([7, 44, 211]);
}

describe("parseCifar10Batches()", () => {
  it("turns channel-planar records into NHWC pixels and labels", () => {
    const dataset = parseCifar10Batches([cifarBatch(2, 0), cifarBatch(1, 5)], CLASS_NAMES);
    expect(dataset.count).toBe(3);
    expect([dataset.width, dataset.height]).toEqual([32, 32]);
    expect([...dataset.labels]).toEqual([0, 1, 5]);
    expect([...dataset.images.subarray(3 * 1025, 3 * 1025 + 3)]).toEqual([1, 1, 254]);
  });

  it("rejects a batch that is not whole records, and a label beyond the classes", () => {
    expect(() => parseCifar10Batches([new Uint8Array(3000)], CLASS_NAMES)).toThrow(
      /3073-byte records/,
    );
    expect(() => parseCifar10Batches([cifarBatch(4, 0)], ["a", "b"])).toThrow(FerryError);
  });
});

describe("loadCifar10()", () => {
  it("reads a local .tar.gz archive: both splits and the class names", async () => {
    const dir = await tempDir();
    const path = join(dir, "cifar-10-binary.tar.gz");
    await Deno.writeFile(path, archive);
    const { train, test } = await loadCifar10({ source: path, cacheDir: dir });
    expectParsed(train);
    expect(test.count).toBe(2);
    expect([...test.labels]).toEqual([0, 1]);
  });

  it("takes its source from FERRY_CIFAR10_URL when no source is given", async () => {
    const dir = await tempDir();
    const path = join(dir, "mirror-copy.tar.gz");
    await Deno.writeFile(path, archive);
    Deno.env.set("FERRY_CIFAR10_URL", path);
    try {
      expectParsed((await loadCifar10({ cacheDir: dir })).train);
    } finally {
      Deno.env.delete("FERRY_CIFAR10_URL");
    }
  });

  it("reads an extracted cifar-10-batches-bin folder, given it or its parent", async () => {
    const dir = await tempDir();
    await Deno.mkdir(join(dir, "cifar-10-batches-bin"));
    for (const [name, data] of cifarFiles()) await Deno.writeFile(join(dir, name), data);
    expectParsed((await loadCifar10({ source: dir })).train);
    expectParsed((await loadCifar10({ source: join(dir, "cifar-10-batches-bin") })).train);
  });

  it("downloads from a server once, with progress, verifies the MD5 and then uses the cache", async () => {
    const cacheDir = await tempDir();
    const { reporter, ticks, totals } = recorder();
    const url = serve(archive);
    expectParsed((await loadCifar10({ source: url, cacheDir, md5, reporter })).train);
    expect(totals[0]).toBe(archive.length);
    expect(ticks.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(archive.length);
    expect(await listDir(cacheDir)).toEqual(["cifar-10-binary.tar.gz"]);
    await Promise.all(servers.splice(0).map((s) => s.shutdown()));
    // The server is gone: the second load must come from the cache.
    expectParsed((await loadCifar10({ source: url, cacheDir, md5 })).train);
  });

  it("rejects a download whose MD5 differs and leaves nothing in the cache", async () => {
    const cacheDir = await tempDir();
    const url = serve(archive);
    const error = await loadCifar10({ source: url, cacheDir, md5: "0".repeat(32) }).catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("download");
    expect(error.message).toMatch(new RegExp(`MD5 is ${md5}, expected 0{32}`));
    expect(await listDir(cacheDir)).toEqual([]);
  });

  it("leaves no file behind when the transfer breaks off", async () => {
    const cacheDir = await tempDir();
    const error = await loadCifar10({ source: serveHalf(archive), cacheDir, md5 }).catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.message).toMatch(/Cannot download CIFAR-10 .*(broke off|ended after)/);
    expect(await listDir(cacheDir)).toEqual([]);
  });

  it("says how to use a local copy when the server cannot be reached", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    const cacheDir = await tempDir();
    const error = await loadCifar10({ source: `http://127.0.0.1:${port}/x.tar.gz`, cacheDir })
      .catch((e) => e);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.kind).toBe("download");
    expect(error.message).toMatch(/FERRY_CIFAR10_URL/);
    expect(error.message).toContain(join(cacheDir, "cifar-10-binary.tar.gz"));
  });

  it("reports a missing source and an archive that is no CIFAR-10 clearly", async () => {
    const dir = await tempDir();
    await expect(loadCifar10({ source: join(dir, "nope.tar.gz") })).rejects.toThrow(
      /does not exist/,
    );
    const other = join(dir, "other.tar.gz");
    await Deno.writeFile(other, await gzip(tar([["a.txt", new Uint8Array(5)]])));
    await expect(loadCifar10({ source: other })).rejects.toThrow(/data_batch_1.bin.*missing/);
    const plain = join(dir, "plain.tar.gz");
    await Deno.writeFile(plain, new TextEncoder().encode("not gzip at all"));
    await expect(loadCifar10({ source: plain })).rejects.toThrow(
      /Cannot read the CIFAR-10 archive/,
    );
  });
});
