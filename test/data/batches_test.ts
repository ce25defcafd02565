import { describe, expect, it } from "vitest";
import { createBatches } from "../../src/data/mod.ts";
import { FERRY_INPUT_SPEC, normalizeInto } from "../../src/image/mod.ts";
import { syntheticDataset } from "./_synthetic.ts";

const dataset = syntheticDataset([40, 30, 30], 32);
const pixels = 32 * 32 * 3;
// A horizontal ramp in blue, so that shifts and flips change pixels (red stays the image's id).
for (let i = 0; i < dataset.images.length; i += 3) dataset.images[i + 2] = ((i / 3) % 32) * 8;
// Red channel of a batch image, times 255: the image's index in the synthetic dataset (mod 256).
const ids = (x: Float32Array, size: number) =>
  Array.from({ length: size }, (_, i) => Math.round(x[i * pixels]! * 255));
const epochIds = (options: Parameters<typeof createBatches>[1]) =>
  [...createBatches(dataset, options)].flatMap((b) => ids(b.x, b.size));

describe("createBatches()", () => {
  it("covers the dataset once per epoch, the last batch smaller", () => {
    const batches = createBatches(dataset, { batchSize: 32, seed: 1 });
    const all = [...batches];
    expect(batches.count).toBe(4);
    expect(all.map((b) => b.size)).toEqual([32, 32, 32, 4]);
    expect(epochIds({ batchSize: 32, seed: 1 }).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it("normalises with normalizeInto and keeps each image's label", () => {
    const [batch] = createBatches(dataset, { batchSize: 8, shuffle: false });
    const expected = new Float32Array(8 * pixels);
    for (let i = 0; i < 8; i++) {
      const data = dataset.images.subarray(i * pixels, (i + 1) * pixels);
      normalizeInto({ data, width: 32, height: 32 }, expected, i * pixels, FERRY_INPUT_SPEC);
    }
    expect(batch!.x).toEqual(expected);
    expect([...batch!.y]).toEqual([...dataset.labels.subarray(0, 8)]);
  });

  it("repeats an epoch exactly for the same seed and epoch, and reorders for the next epoch", () => {
    const first = epochIds({ seed: 4, epoch: 0 });
    expect(epochIds({ seed: 4, epoch: 0 })).toEqual(first);
    expect(epochIds({ seed: 4, epoch: 1 })).not.toEqual(first);
  });

  it("resumes part-way with startBatch and yields the same remaining batches", () => {
    const options = { batchSize: 16, seed: 2, epoch: 3, augment: {} };
    const full = [...createBatches(dataset, options)];
    const resumed = [...createBatches(dataset, { ...options, startBatch: 4 })];
    expect(resumed.length).toBe(full.length - 4);
    resumed.forEach((batch, i) => {
      expect(batch.x).toEqual(full[i + 4]!.x);
      expect(batch.y).toEqual(full[i + 4]!.y);
    });
  });

  it("augments reproducibly, changing pixels but not labels", () => {
    const options = { batchSize: 100, seed: 5, augment: { widthShiftRange: 0.2 } };
    const [plain] = createBatches(dataset, { ...options, augment: false });
    const [a] = createBatches(dataset, options);
    const [b] = createBatches(dataset, options);
    expect(a!.x).toEqual(b!.x);
    expect(a!.y).toEqual(plain!.y);
    expect(a!.x).not.toEqual(plain!.x);
  });

  it("rejects a batch size of 0 and a spec of another size", () => {
    expect(() => createBatches(dataset, { batchSize: 0 })).toThrow(/'batchSize'.*got 0/);
    const spec = { ...FERRY_INPUT_SPEC, width: 28 };
    expect(() => createBatches(dataset, { spec })).toThrow(/32×32.*28×32/);
  });
});
