/**
 * Test-time augmentation baked into the exported graph: the graph runs the model on several views
 * of each image in one batch and returns their weighted mean, so serve, classify and evaluate use
 * it without knowing. "flip": the image and its mirror, half each. "flip-translate": airbench's
 * second level: half on those two, half on the mirrored pairs of the image shifted one pixel up-left
 * and down-right (reflect padding).
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { int64ToNumber, type OnnxModel } from "../onnx/mod.ts";
import type { GraphBuilder } from "./_graph.ts";
import { wrapInput, wrapOutput } from "./_wrap.ts";

/** The test-time augmentations an export can bake in. */
export const TTA_MODES = ["flip", "flip-translate"] as const;
/** One of {@linkcode TTA_MODES}. */
export type TtaMode = typeof TTA_MODES[number];

/** A view of an NHWC image: mirrored or not, shifted by `shift` pixels on both axes or not. */
interface View {
  flip: boolean;
  shift: -1 | 0 | 1;
  weight: number;
}

const VIEWS: Record<TtaMode, View[]> = {
  flip: [{ flip: false, shift: 0, weight: 0.5 }, { flip: true, shift: 0, weight: 0.5 }],
  "flip-translate": [
    { flip: false, shift: 0, weight: 0.25 },
    { flip: true, shift: 0, weight: 0.25 },
    { flip: false, shift: -1, weight: 0.125 },
    { flip: true, shift: -1, weight: 0.125 },
    { flip: false, shift: 1, weight: 0.125 },
    { flip: true, shift: 1, weight: 0.125 },
  ],
};

/** Checks a mode given from outside; throws a `usage` FerryError naming the allowed ones. */
export function ttaMode(value: string): TtaMode {
  if (!(TTA_MODES as readonly string[]).includes(value)) {
    throw new FerryError("usage", `Cannot use TTA '${value}': expected ${TTA_MODES.join(" or ")}`);
  }
  return value as TtaMode;
}

/** How many times the model runs per image under `mode`. */
export function ttaViewCount(mode: TtaMode): number {
  return VIEWS[mode].length;
}

/**
 * `model` (an NHWC image in, one row of class scores out) with `mode`'s views stacked into its
 * batch and their weighted mean as its output.
 *
 * @example
 * ```ts
 * import type * as tf from "@tensorflow/tfjs";
 * import { toOnnx, withTta } from "./mod.ts";
 *
 * declare const model: tf.LayersModel; // NHWC images in, class scores out
 * const averaged = withTta(toOnnx(model).model, "flip");
 * ```
 */
export function withTta(model: OnnxModel, mode: TtaMode): OnnxModel {
  const views = VIEWS[mode];
  const dims = model.graph!.input[0]!.type?.tensorType?.shape?.dim ?? [];
  const [height, width] = [int64ToNumber(dims[1]?.dimValue), int64ToNumber(dims[2]?.dimValue)];
  const classes = int64ToNumber(
    model.graph!.output[0]!.type?.tensorType?.shape?.dim?.at(-1)?.dimValue,
  );
  if (dims.length !== 4 || !height || !width || !classes) {
    throw new FerryError("model", "Cannot add TTA: the graph does not map NHWC images to scores");
  }
  const stacked = wrapInput(model, (graph, input, out) => {
    const padded = views.some((v) => v.shift !== 0)
      ? graph.node("Pad", [input, graph.int64s("tta/pads", [0, 1, 1, 0, 0, 1, 1, 0])], {
        mode: "reflect",
      })
      : input;
    const names = views.map((view) => {
      // Reflect padding by one pixel: cropping at 0 shifts the image down-right (−1), at 2 up-left.
      const shifted = view.shift === 0
        ? input
        : slice(graph, padded, [1, 2], 1 + view.shift, [height, width]);
      return view.flip ? flipWidth(graph, shifted) : shifted;
    });
    graph.node("Concat", names, { axis: 0 }, out);
  });
  return wrapOutput(stacked, (graph, scores, out) => {
    const perView = graph.node("Reshape", [
      scores,
      graph.int64s("tta/shape", [views.length, -1, classes]),
    ]);
    const weighted = graph.node("Mul", [
      perView,
      graph.floats("tta/weights", [views.length, 1, 1], views.map((v) => v.weight)),
    ]);
    graph.node("ReduceSum", [weighted, graph.int64s("tta/axis", [0])], { keepdims: 0 }, out);
  });
}

/** Slices `size` values along `axes` starting at `start` (the same on every axis). */
function slice(
  graph: GraphBuilder,
  x: string,
  axes: number[],
  start: number,
  size: number[],
): string {
  return graph.node("Slice", [
    x,
    graph.int64s("tta/starts", axes.map(() => start)),
    graph.int64s("tta/ends", size.map((s) => start + s)),
    graph.int64s("tta/axes", axes),
  ]);
}

/** Mirrors NHWC images left to right (a negative-step slice over the width axis). */
function flipWidth(graph: GraphBuilder, x: string): string {
  // INT64_MIN as the end: "through index 0" for a negative step, as the ONNX spec advises.
  return graph.node("Slice", [
    x,
    graph.int64s("tta/flip_start", [-1]),
    graph.int64s("tta/flip_end", [-(2 ** 63)]),
    graph.int64s("tta/flip_axis", [2]),
    graph.int64s("tta/flip_step", [-1]),
  ]);
}

/**
 * The same weighted mean computed outside the graph, for the parity check: `predict` runs a batch
 * of `count` NHWC images of `shape` and returns its rows.
 */
export function ttaMean(
  predict: (x: Float32Array, count: number) => Float32Array,
  x: Float32Array,
  count: number,
  shape: readonly [number, number, number],
  mode: TtaMode,
): Float32Array {
  let sum: Float32Array | undefined;
  for (const view of VIEWS[mode]) {
    const y = predict(viewOf(x, count, shape, view), count);
    sum ??= new Float32Array(y.length);
    for (let i = 0; i < y.length; i++) sum[i]! += view.weight * y[i]!;
  }
  return sum!;
}

function viewOf(
  x: Float32Array,
  count: number,
  [h, w, c]: readonly [number, number, number],
  view: View,
): Float32Array {
  // Reflect padding: index −1 reads 1, index n reads n − 2.
  const reflect = (i: number, n: number) => i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
  const out = new Float32Array(count * h * w * c);
  for (let n = 0; n < count; n++) {
    for (let r = 0; r < h; r++) {
      for (let col = 0; col < w; col++) {
        const sr = reflect(r + view.shift, h);
        const sc = reflect((view.flip ? w - 1 - col : col) + view.shift, w);
        const from = ((n * h + sr) * w + sc) * c, to = ((n * h + r) * w + col) * c;
        for (let k = 0; k < c; k++) out[to + k] = x[from + k]!;
      }
    }
  }
  return out;
}
