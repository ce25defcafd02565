/**
 * Interop check: ferry's augmentation against Keras' own `ImageDataGenerator.apply_transform`
 * (tf.keras, which resamples with scipy) on the same images and the same transform parameters:
 * the notebook's flip + shift draws must agree bit for bit, rotation and zoom within 1e-6.
 * Needs `python3` with tensorflow; run by `deno task test:interop`.
 *
 * @module
 */
import { join } from "node:path";
import {
  augmentInto,
  type AugmentOptions,
  type AugmentParams,
  createRng,
  drawAugmentParams,
  resolveAugmentOptions,
} from "../../src/data/mod.ts";
import { FERRY_INPUT_SPEC } from "../../src/image/mod.ts";
import { ensurePythonPackages, PYTHON } from "./_python.ts";

interface Case {
  name: string;
  width: number;
  height: number;
  pixels: number[];
  params: AugmentParams;
  exact: boolean;
}

const rng = createRng(2024);
const cases: Case[] = [];
const configs: [string, AugmentOptions, number, number, boolean][] = [
  ["notebook 32×32", {}, 32, 32, true],
  ["notebook 24×40", {}, 24, 40, true],
  ["wide shifts", { widthShiftRange: 0.6, heightShiftRange: 0.3 }, 32, 32, true],
  ["rotation 30°", { rotationRange: 30 }, 32, 32, false],
  ["zoom 0.3 on 20×28", { zoomRange: 0.3 }, 20, 28, false],
  ["rotation + zoom", { rotationRange: 90, zoomRange: [0.5, 1.5] }, 32, 32, false],
];
for (const [name, options, height, width, exact] of configs) {
  const resolved = resolveAugmentOptions(options);
  for (let k = 0; k < 50; k++) {
    const pixels = Array.from({ length: width * height * 3 }, () => rng.int(256));
    const params = drawAugmentParams(rng, resolved, height, width);
    cases.push({ name, width, height, pixels, params, exact });
  }
}

await ensurePythonPackages(["numpy", "scipy"]);
// tf.keras is the notebook's Keras; its pip name differs from its import name on CPU-only machines.
const hasTensorflow = async () =>
  (await new Deno.Command(PYTHON, { args: ["-c", "import tensorflow"], stderr: "null" })
    .output())
    .code === 0;
if (!(await hasTensorflow())) {
  console.log("Installing tensorflow-cpu with pip");
  await new Deno.Command(PYTHON, {
    args: ["-m", "pip", "install", "-q", "--retries", "0", "tensorflow-cpu"],
  }).output();
}
const dir = await Deno.makeTempDir({ prefix: "ferry_interop_augment_" });
const input = join(dir, "cases.json");
const output = join(dir, "keras.f32");
const keras = cases.map((c) => ({
  width: c.width,
  height: c.height,
  pixels: c.pixels,
  params: {
    theta: c.params.theta,
    tx: c.params.tx,
    ty: c.params.ty,
    zx: c.params.zx,
    zy: c.params.zy,
    flip_horizontal: c.params.flipHorizontal,
  },
}));
await Deno.writeTextFile(input, JSON.stringify(keras));
const script = new URL("./_keras_augment.py", import.meta.url).pathname;
const { code, stderr } = await new Deno.Command(PYTHON, { args: [script, input, output] })
  .output();
if (code !== 0) {
  console.error(new TextDecoder().decode(stderr));
  Deno.exit(1);
}
const expected = new Float32Array((await Deno.readFile(output)).buffer);
await Deno.remove(dir, { recursive: true });

let at = 0;
let failures = 0;
const summary = new Map<string, { worst: number; differing: number; values: number }>();
for (const c of cases) {
  const size = c.width * c.height * 3;
  const spec = { ...FERRY_INPUT_SPEC, width: c.width, height: c.height };
  const ours = new Float32Array(size);
  augmentInto(
    { data: Uint8Array.from(c.pixels), width: c.width, height: c.height },
    c.params,
    ours,
    0,
    spec,
  );
  const row = summary.get(c.name) ?? { worst: 0, differing: 0, values: 0 };
  for (let i = 0; i < size; i++) {
    const diff = Math.abs(ours[i]! - expected[at + i]!);
    if (diff > 0) row.differing++;
    row.worst = Math.max(row.worst, diff);
  }
  row.values += size;
  summary.set(c.name, row);
  at += size;
}
console.log("| case | images | values differing | max abs diff |\n|---|---:|---:|---:|");
for (const [name, row] of summary) {
  const exact = cases.find((c) => c.name === name)!.exact;
  const ok = exact ? row.differing === 0 : row.worst <= 1e-6;
  if (!ok) failures++;
  console.log(
    `| ${name}${ok ? "" : " FAIL"} | 50 | ${row.differing} of ${row.values} | ${row.worst} |`,
  );
}
console.log(
  `augmentation vs Keras: ${summary.size - failures} of ${summary.size} configurations agree`,
);
Deno.exit(failures === 0 ? 0 : 1);
