/**
 * Image path benchmark: images per second to read, decode and normalise, for each decoder path,
 * on the CIFAR-10 training JPEGs (32×32) and on 1024×768 photos made from them. Prints a table.
 *
 *   deno run -A bench/image.ts [--dir ../shared/datasets/cifar10/train] [--sharp-limit 5000]
 *                              [--photos 100] [--pngs 5000] [--verify 2000] [--workers 2]
 *                              [--repeats 1]
 *
 * "Cold" means no decode cache: every file is read and decoded (the OS page cache may still
 * hold the files). The sharp-only rows run on the first --sharp-limit files to keep the run
 * short; the fast path and the pool run on all of them. First, --verify files spread over the
 * training set are decoded by both paths and must be byte-identical.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import sharp from "sharp";
import {
  createDecodePool,
  type DecodedImage,
  decodeImage,
  type DecodeOptions,
  FERRY_INPUT_SPEC,
  normalizeInto,
  valuesPerImage,
} from "../src/image/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    dir: { type: "string", default: "../shared/datasets/cifar10/train" },
    "sharp-limit": { type: "string", default: "5000" },
    photos: { type: "string", default: "100" },
    pngs: { type: "string", default: "5000" },
    verify: { type: "string", default: "2000" },
    workers: { type: "string", default: String(navigator.hardwareConcurrency) },
    repeats: { type: "string", default: "1" },
  },
});
const sharpLimit = Number(values["sharp-limit"]);
const workers = Number(values.workers);
const repeats = Number(values.repeats);
const size: DecodeOptions = { width: FERRY_INPUT_SPEC.width, height: FERRY_INPUT_SPEC.height };

async function listImages(dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) paths.push(...await listImages(path));
    else if (entry.isFile) paths.push(path);
  }
  return paths;
}

/** Writes each image as model input into a rolling batch, as a data loader would. */
const batch = new Float32Array(256 * valuesPerImage(FERRY_INPUT_SPEC));
let slot = 0;
const counts = new Map<string, number>();
function consume(image: DecodedImage): void {
  normalizeInto(image, batch, (slot++ % 256) * valuesPerImage(FERRY_INPUT_SPEC), FERRY_INPUT_SPEC);
  counts.set(image.decoder, (counts.get(image.decoder) ?? 0) + 1);
}

/** Runs `job` over all paths with at most `limit` in flight. */
async function inFlight(
  paths: string[],
  limit: number,
  job: (path: string) => Promise<DecodedImage>,
) {
  let next = 0;
  const lane = async () => {
    while (next < paths.length) consume(await job(paths[next++]!));
  };
  await Promise.all(Array.from({ length: Math.min(limit, paths.length) }, lane));
}

const read = (path: string) => Deno.readFile(path);
const viaSharp = async (path: string) =>
  decodeImage(await read(path), { ...size, decoder: "sharp" });
const viaAuto = async (path: string) => decodeImage(await read(path), size);

interface Row {
  images: string;
  path: string;
  count: number;
  ms: number;
  /** CPU time of the whole process (all threads) per image, in µs: robust to other load. */
  cpuMicros: number;
  decoders: string;
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const rows: Row[] = [];

async function measure(
  images: string,
  path: string,
  paths: string[],
  run: (p: string[]) => Promise<void>,
) {
  let best = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < repeats; r++) {
    counts.clear();
    const [started, startedCpu] = [performance.now(), cpuMs()];
    await run(paths);
    best = Math.min(best, performance.now() - started);
    cpu = Math.min(cpu, cpuMs() - startedCpu);
  }
  const decoders = [...counts].map(([name, n]) => `${name} ${n}`).join(", ");
  rows.push({
    images,
    path,
    count: paths.length,
    ms: best,
    cpuMicros: (cpu * 1000) / paths.length,
    decoders,
  });
  console.error(`  ${images} / ${path}: ${(best / 1000).toFixed(2)} s`);
}

async function makePngs(from: string[], dir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, source] of from.entries()) {
    paths.push(`${dir}/cifar_${i}.png`);
    await sharp(source).png().toFile(paths[i]!);
  }
  return paths;
}

async function makePhotos(from: string[], count: number, dir: string): Promise<string[]> {
  return await Promise.all(
    from.slice(0, count).map(async (source, i) => {
      const path = `${dir}/photo_${i}.jpg`;
      await sharp(source).resize(1024, 768, { kernel: "lanczos3" }).jpeg({ quality: 90 }).toFile(
        path,
      );
      return path;
    }),
  );
}

/** Decodes files spread over the set through both paths; returns [identical, fast-path files]. */
async function verify(paths: string[], count: number): Promise<[number, number]> {
  let identical = 0;
  let fast = 0;
  const step = Math.max(1, Math.floor(paths.length / count));
  for (let i = 0; i < paths.length && fast < count; i += step) {
    const bytes = await read(paths[i]!);
    const image = await decodeImage(bytes, size);
    if (image.decoder === "sharp") continue;
    fast++;
    const reference = await decodeImage(bytes, { ...size, decoder: "sharp" });
    if (image.data.every((v, j) => v === reference.data[j])) identical++;
  }
  return [identical, fast];
}

const load = () => `load average ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`;
console.error(`before: ${load()}, ${navigator.hardwareConcurrency} cores`);
const cifar = await listImages(values.dir);
const tempDir = await Deno.makeTempDir({ prefix: "ferry-bench-image-" });
const pool = createDecodePool({ workers });
let verdict = "";
try {
  const photos = await makePhotos(
    cifar.filter((_, i) => i % 500 === 0),
    Number(values.photos),
    tempDir,
  );
  const pngs = await makePngs(
    cifar.filter((_, i) => i % 10 === 0).slice(0, Number(values.pngs)),
    tempDir,
  );
  const [identical, checked] = await verify(cifar, Number(values.verify));
  verdict = `${identical} of ${checked} training JPEGs byte-identical to the sharp path`;
  console.error(`  ${verdict}`);
  if (identical !== checked) throw new Error(`The fast path differs from sharp: ${verdict}`);
  const sets = [
    ["CIFAR-10 32×32 JPEG", cifar],
    ["CIFAR-10 as 32×32 PNG", pngs],
    ["1024×768 JPEG photo", photos],
  ] as const;
  for (const [images, paths] of sets) {
    const few = paths.slice(0, sharpLimit);
    // Unmeasured warm-up: each worker loads what this kind of image needs (libvips for photos).
    await Promise.all(paths.slice(0, 4 * workers).map((path) => pool.decodeFile(path, size)));
    await measure(images, "sharp, one at a time", few, (p) => inFlight(p, 1, viaSharp));
    await measure(images, "sharp, 64 in flight", few, (p) => inFlight(p, 64, viaSharp));
    await measure(
      images,
      "decodeImage (fast path where it applies), one thread",
      paths,
      (p) => inFlight(p, 1, viaAuto),
    );
    await measure(
      images,
      `decode pool, ${workers} workers, 1024 in flight each`,
      paths,
      (p) => inFlight(p, 1024 * workers, (path) => pool.decodeFile(path, size)),
    );
  }
} finally {
  pool.close();
  await Deno.remove(tempDir, { recursive: true });
}

console.log(
  `\nferry image path: read + decode + normalise to ${size.width}×${size.height} float32, ${navigator.hardwareConcurrency} cores\n`,
);
console.log(`${verdict}\n`);
console.log(
  "| images | path | count | time | images/s | CPU µs/image | decoder used |\n|---|---|---:|---:|---:|---:|---|",
);
for (const row of rows) {
  const rate = Math.round(row.count / (row.ms / 1000)).toLocaleString("en-US");
  console.log(
    `| ${row.images} | ${row.path} | ${row.count} | ${(row.ms / 1000).toFixed(2)} s | ${rate} | ${
      Math.round(row.cpuMicros)
    } | ${row.decoders} |`,
  );
}
// Under other load the wall clock says little; CPU time per image does not depend on it.
const whole = rows.find((row) => row.path.startsWith("decode pool") && row.count === cifar.length);
if (whole) {
  const seconds = (whole.count * whole.cpuMicros) / 1e6 / navigator.hardwareConcurrency;
  console.log(
    `\nwhole training set through the pool: ${(whole.ms / 1000).toFixed(2)} s measured; ` +
      `${
        seconds.toFixed(2)
      } s of CPU per core, the time on ${navigator.hardwareConcurrency} otherwise idle cores`,
  );
}
console.log(`\nafter: ${load()}`);
