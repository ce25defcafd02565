import { describe, expect, it } from "vitest";
import { stratifiedSplit, subsetDataset } from "../../src/data/mod.ts";
import { FerryError } from "../../src/errors.ts";
import { imageIds, syntheticDataset } from "./_synthetic.ts";

const perClass = (labels: Uint8Array, classes: number) => {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]!++;
  return counts;
};

describe("stratifiedSplit()", () => {
  const dataset = syntheticDataset([500, 300, 200, 7]);

  it("holds out the fraction of every class, rounded per class", () => {
    const { train, validation } = stratifiedSplit(dataset, { fraction: 0.1, seed: 3 });
    expect(perClass(validation.labels, 4)).toEqual([50, 30, 20, 1]);
    expect(perClass(train.labels, 4)).toEqual([450, 270, 180, 6]);
    expect(train.count + validation.count).toBe(dataset.count);
    expect(validation.classNames).toEqual(dataset.classNames);
  });

  it("keeps every image exactly once, with its own label", () => {
    const { train, validation } = stratifiedSplit(dataset, { fraction: 0.25, seed: 1 });
    const ids = [...imageIds(train), ...imageIds(validation)].sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: dataset.count }, (_, i) => i));
    const labelOf = new Map(imageIds(dataset).map((id, i) => [id, dataset.labels[i]]));
    imageIds(validation).forEach((id, i) => expect(validation.labels[i]).toBe(labelOf.get(id)));
  });

  it("gives the same split for the same seed and another for another seed", () => {
    const a = imageIds(stratifiedSplit(dataset, { seed: 7 }).validation);
    const b = imageIds(stratifiedSplit(dataset, { seed: 7 }).validation);
    const c = imageIds(stratifiedSplit(dataset, { seed: 8 }).validation);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it("carves a test slice and a validation slice when called twice", () => {
    const { train: rest, validation: test } = stratifiedSplit(dataset, { fraction: 0.1, seed: 1 });
    const { train, validation } = stratifiedSplit(rest, { fraction: 0.1, seed: 2 });
    expect([train.count, validation.count, test.count]).toEqual([815, 91, 101]);
    const testIds = new Set(imageIds(test));
    expect(imageIds(validation).some((id) => testIds.has(id))).toBe(false);
  });

  it("rejects a fraction outside (0, 1) with a usage error", () => {
    expect(() => stratifiedSplit(dataset, { fraction: 1 })).toThrow(FerryError);
    expect(() => stratifiedSplit(dataset, { fraction: 0 })).toThrow(/'fraction'.*got 0/);
  });
});

describe("subsetDataset()", () => {
  it("copies the chosen images in the given order", () => {
    const dataset = syntheticDataset([3, 3]);
    const subset = subsetDataset(dataset, [5, 0, 2]);
    expect(imageIds(subset)).toEqual([5, 0, 2]);
    expect([...subset.labels]).toEqual([dataset.labels[5], dataset.labels[0], dataset.labels[2]]);
  });
});
