import { describe, expect, it } from "vitest";
import {
  augmentInto,
  type AugmentParams,
  createRng,
  drawAugmentParams,
  IDENTITY_PARAMS,
  resolveAugmentOptions,
} from "../../src/data/mod.ts";
import { FerryError } from "../../src/errors.ts";
import { FERRY_INPUT_SPEC, type InputSpec } from "../../src/image/mod.ts";

// A 3×3 image whose red channel is 10·row + col, green = red + 100, blue = 0, and a spec that
// keeps pixel values (divisor 1) so expectations read as the pixels themselves.
const side = 3;
const spec: InputSpec = { ...FERRY_INPUT_SPEC, width: side, height: side, divisor: 1 };
const image = {
  width: side,
  height: side,
  data: new Uint8Array(side * side * 3).map((_, i) => {
    const pixel = Math.floor(i / 3);
    const red = 10 * Math.floor(pixel / side) + (pixel % side);
    return [red, red + 100, 0][i % 3]!;
  }),
};

function redPlane(params: Partial<AugmentParams>): number[][] {
  const out = new Float32Array(side * side * 3);
  augmentInto(image, { ...IDENTITY_PARAMS, ...params }, out, 0, spec);
  return [0, 1, 2].map((r) => [0, 1, 2].map((c) => Number(out[(r * side + c) * 3]!.toFixed(5))));
}

describe("augmentInto()", () => {
  it("leaves the image as normalizeInto writes it under the identity transform", () => {
    expect(redPlane({})).toEqual([[0, 1, 2], [10, 11, 12], [20, 21, 22]]);
  });

  it("mirrors columns for a horizontal flip", () => {
    expect(redPlane({ flipHorizontal: true })).toEqual([[2, 1, 0], [12, 11, 10], [22, 21, 20]]);
  });

  it("shifts by one pixel and fills the uncovered edge with the nearest pixel", () => {
    // Keras' axis swap: tx moves columns, ty rows; output(r, c) reads input(r + ty, c + tx).
    expect(redPlane({ tx: 1 })).toEqual([[1, 2, 2], [11, 12, 12], [21, 22, 22]]);
    expect(redPlane({ tx: -1 })).toEqual([[0, 0, 1], [10, 10, 11], [20, 20, 21]]);
    expect(redPlane({ ty: 1 })).toEqual([[10, 11, 12], [20, 21, 22], [20, 21, 22]]);
  });

  it("interpolates a fractional shift bilinearly, as Keras does, instead of rounding it", () => {
    expect(redPlane({ tx: 0.25 })).toEqual([[0.25, 1.25, 2], [10.25, 11.25, 12], [
      20.25,
      21.25,
      22,
    ]]);
    expect(redPlane({ ty: -0.5 })).toEqual([[0, 1, 2], [5, 6, 7], [15, 16, 17]]);
  });

  it("shifts first and flips after, in Keras' order", () => {
    expect(redPlane({ tx: 1, flipHorizontal: true })).toEqual([[2, 2, 1], [12, 12, 11], [
      22,
      22,
      21,
    ]]);
  });

  it("rotates about the centre: 180 degrees turns the image around", () => {
    const plane = redPlane({ theta: 180 });
    expect(plane).toEqual([[22, 21, 20], [12, 11, 10], [2, 1, 0]]);
  });

  it("zooms about the centre, sampling at 1 + z·(c − 1) and clamping to the edge", () => {
    // z = 0.5 samples 0.5, 1, 1.5 (zoom in); z = 2 samples −1, 1, 3, clamped to 0, 1, 2.
    expect(redPlane({ zx: 0.5, zy: 0.5 })).toEqual([[5.5, 6, 6.5], [10.5, 11, 11.5], [
      15.5,
      16,
      16.5,
    ]]);
    expect(redPlane({ zx: 2, zy: 2 })).toEqual([[0, 1, 2], [10, 11, 12], [20, 21, 22]]);
    expect(redPlane({ zx: 0.5 })).toEqual([[0.5, 1, 1.5], [10.5, 11, 11.5], [20.5, 21, 21.5]]);
  });

  it("erases the cutout square, after the flip, with what mid-grey normalises to", () => {
    const erased = redPlane({ flipHorizontal: true, cutoutTop: 1, cutoutLeft: 0, cutoutSize: 2 });
    expect(erased).toEqual([[2, 1, 0], [128, 128, 10], [128, 128, 20]]);
    const out = new Float32Array(side * side * 3);
    const cut = { ...IDENTITY_PARAMS, cutoutTop: 0, cutoutLeft: 0, cutoutSize: 1 };
    augmentInto(image, cut, out, 0, { ...spec, divisor: 255, mean: [0.5, 0.5, 0.5] });
    expect([out[0], out[1], out[2]].map((v) => v!.toFixed(5))).toEqual(
      Array(3).fill((128 / 255 - 0.5).toFixed(5)),
    );
  });

  it("keeps channels apart", () => {
    const out = new Float32Array(side * side * 3);
    augmentInto(image, { ...IDENTITY_PARAMS, tx: 1 }, out, 0, spec);
    expect([out[0], out[1], out[2]]).toEqual([1, 101, 0]);
  });
});

describe("drawAugmentParams()", () => {
  const options = resolveAugmentOptions();

  it("draws fractional shifts within ±10% of the size and flips about half the time", () => {
    const rng = createRng(5);
    const draws = Array.from({ length: 4000 }, () => drawAugmentParams(rng, options, 32, 32));
    expect(Math.max(...draws.map((p) => Math.abs(p.tx)))).toBeLessThanOrEqual(3.2);
    expect(Math.max(...draws.map((p) => Math.abs(p.ty)))).toBeGreaterThan(3);
    expect(draws.some((p) => !Number.isInteger(p.tx))).toBe(true);
    const flips = draws.filter((p) => p.flipHorizontal).length / draws.length;
    expect(flips).toBeGreaterThan(0.45);
    expect(flips).toBeLessThan(0.55);
    expect(draws.every((p) => p.theta === 0 && p.zx === 1 && p.zy === 1)).toBe(true);
  });

  it("with wholePixelShifts, draws every whole shift within the range about equally often", () => {
    const whole = resolveAugmentOptions({
      widthShiftRange: 0.0625,
      heightShiftRange: 0.0625,
      wholePixelShifts: true,
    });
    const rng = createRng(5);
    const draws = Array.from({ length: 5000 }, () => drawAugmentParams(rng, whole, 32, 32));
    for (const axis of ["tx", "ty"] as const) {
      const counts = new Map<number, number>();
      for (const p of draws) counts.set(p[axis], (counts.get(p[axis]) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
      for (const count of counts.values()) expect(count / draws.length).toBeCloseTo(0.2, 1);
    }
  });

  it("with cutout, places the whole square inside the image, from edge to edge and evenly by halves", () => {
    const cut = resolveAugmentOptions({ cutout: 8 });
    const rng = createRng(3);
    const draws = Array.from({ length: 5000 }, () => drawAugmentParams(rng, cut, 32, 32));
    expect(draws.every((p) => p.cutoutSize === 8)).toBe(true);
    for (const axis of ["cutoutTop", "cutoutLeft"] as const) {
      const places = draws.map((p) => p[axis]);
      expect(Math.min(...places)).toBe(0);
      expect(Math.max(...places)).toBe(24);
      expect(places.filter((v) => v < 12.5).length / draws.length).toBeCloseTo(0.5, 1);
    }
  });

  it("draws the same transforms without cutout as with it, apart from the square", () => {
    const plain = resolveAugmentOptions({});
    expect(plain.cutout).toBe(0);
    const draw = drawAugmentParams(createRng(4), plain, 32, 32);
    expect(draw.cutoutSize).toBe(0);
    const withCut = drawAugmentParams(createRng(4), { ...plain, cutout: 4 }, 32, 32);
    expect({ ...withCut, cutoutTop: 0, cutoutLeft: 0, cutoutSize: 0 }).toEqual(draw);
  });

  it("rejects a cutout that is not a whole number of pixels", () => {
    expect(() => resolveAugmentOptions({ cutout: 2.5 })).toThrow(/cutout.*got 2.5/);
    expect(() => resolveAugmentOptions({ cutout: -1 })).toThrow(FerryError);
  });

  it("gives the same transforms for the same seed", () => {
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 10; i++) {
      expect(drawAugmentParams(a, options, 32, 32)).toEqual(drawAugmentParams(b, options, 32, 32));
    }
  });

  it("draws rotation and zoom only when asked", () => {
    const wide = resolveAugmentOptions({ rotationRange: 15, zoomRange: 0.2 });
    const p = drawAugmentParams(createRng(1), wide, 32, 32);
    expect(Math.abs(p.theta)).toBeLessThanOrEqual(15);
    expect(p.zx).toBeGreaterThanOrEqual(0.8);
    expect(p.zy).toBeLessThanOrEqual(1.2);
    expect(p.zx).not.toBe(1);
  });

  it("rejects a shift range outside [0, 1) with a usage error naming the value", () => {
    expect(() => resolveAugmentOptions({ widthShiftRange: 2 })).toThrow(FerryError);
    expect(() => resolveAugmentOptions({ widthShiftRange: 2 })).toThrow(/widthShiftRange.*got 2/);
  });
});
