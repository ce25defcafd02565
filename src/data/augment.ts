/**
 * Random image augmentation with the semantics of Keras' legacy `ImageDataGenerator`
 * (`keras/src/legacy/preprocessing/image.py`: `get_random_transform`, `apply_transform`,
 * `apply_affine_transform`), which resamples with `scipy.ndimage.affine_transform(order=1)`.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { type InputSpec, normalizeInto, type RgbImage } from "../image/mod.ts";
import type { Rng } from "./random.ts";

/** Options of the augmentation, named after `ImageDataGenerator`'s arguments. */
export interface AugmentOptions {
  /** Mirror left–right with probability 0.5 (`horizontal_flip`). @default true */
  horizontalFlip?: boolean;
  /** Largest shift as a fraction of the width, drawn uniformly in ±range (`width_shift_range`). @default 0.1 */
  widthShiftRange?: number;
  /** Largest shift as a fraction of the height (`height_shift_range`). @default 0.1 */
  heightShiftRange?: number;
  /** Largest rotation in degrees, drawn uniformly in ±range (`rotation_range`). @default 0 */
  rotationRange?: number;
  /** Zoom factors drawn per axis from [1 − z, 1 + z], or from [low, high] (`zoom_range`). @default 0 */
  zoomRange?: number | [number, number];
  /**
   * Shift by whole pixels only, drawn uniformly from the integers within the shift ranges (the
   * random crops of a padded image that ResNet and airbench train with): pixels are copied, not
   * interpolated. Keras' fractional shifts blur most training images, and test images never are.
   * @default false
   */
  wholePixelShifts?: boolean;
  /**
   * Side in pixels of a square erased at a random place in every image, after the other
   * transforms (cutout; DeVries & Taylor 2017): the square holds what mid-grey pixels normalise
   * to. A regulariser for long runs, whose networks otherwise learn the training images by heart.
   * 0: none. @default 0
   */
  cutout?: number;
}

/** Defaults of {@linkcode AugmentOptions}: the notebook's `ImageDataGenerator`. */
export const AUGMENT_DEFAULTS: Required<AugmentOptions> = Object.freeze({
  horizontalFlip: true,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  rotationRange: 0,
  zoomRange: 0,
  wholePixelShifts: false,
  cutout: 0,
});

/**
 * One image's transform, with Keras' names and meanings: `theta` in degrees, `tx` drawn from
 * `heightShiftRange` × rows and `ty` from `widthShiftRange` × columns (see {@linkcode augmentInto}
 * for how Keras then applies them), `zx`/`zy` zoom factors; the cutout square's top-left corner
 * and side (0: none).
 */
export interface AugmentParams {
  theta: number;
  tx: number;
  ty: number;
  zx: number;
  zy: number;
  flipHorizontal: boolean;
  cutoutTop: number;
  cutoutLeft: number;
  cutoutSize: number;
}

/** The transform that changes nothing. */
export const IDENTITY_PARAMS: AugmentParams = Object.freeze({
  theta: 0,
  tx: 0,
  ty: 0,
  zx: 1,
  zy: 1,
  flipHorizontal: false,
  cutoutTop: 0,
  cutoutLeft: 0,
  cutoutSize: 0,
});

/** Checks the options once, at the door; throws a `usage` FerryError naming the bad value. */
export function resolveAugmentOptions(options: AugmentOptions = {}): Required<AugmentOptions> {
  const resolved = { ...AUGMENT_DEFAULTS, ...options };
  for (const name of ["widthShiftRange", "heightShiftRange"] as const) {
    const value = resolved[name];
    if (!(value >= 0 && value < 1)) {
      throw new FerryError("usage", `Cannot augment: '${name}' must be in [0, 1), got ${value}`);
    }
  }
  if (!(resolved.rotationRange >= 0 && resolved.rotationRange <= 180)) {
    throw new FerryError(
      "usage",
      `Cannot augment: 'rotationRange' must be in [0, 180] degrees, got ${resolved.rotationRange}`,
    );
  }
  const [low, high] = zoomBounds(resolved.zoomRange);
  if (!(low > 0 && high >= low)) {
    throw new FerryError(
      "usage",
      `Cannot augment: 'zoomRange' must give 0 < low <= high, got ${String(resolved.zoomRange)}`,
    );
  }
  if (!(Number.isInteger(resolved.cutout) && resolved.cutout >= 0)) {
    throw new FerryError(
      "usage",
      `Cannot augment: 'cutout' must be a whole number of pixels >= 0, got ${resolved.cutout}`,
    );
  }
  return resolved;
}

function zoomBounds(zoom: number | [number, number]): [number, number] {
  return typeof zoom === "number" ? [1 - zoom, 1 + zoom] : zoom;
}

/**
 * Draws one image's transform, in Keras' order (rotation, shifts, zoom, flip), then the cutout
 * square's place, which lies wholly inside the image. The shifts are fractional pixels, not
 * rounded: Keras multiplies a uniform draw by the size and interpolates (unless
 * `wholePixelShifts`). Without cutout the draws are the ones earlier versions made.
 */
export function drawAugmentParams(
  rng: Rng,
  options: Required<AugmentOptions>,
  height: number,
  width: number,
): AugmentParams {
  const r = options.rotationRange;
  const theta = r ? rng.uniform(-r, r) : 0;
  const h = options.heightShiftRange;
  const w = options.widthShiftRange;
  const whole = options.wholePixelShifts;
  const tx = !h ? 0 : whole ? wholeShift(rng, h * height) : rng.uniform(-h, h) * height;
  const ty = !w ? 0 : whole ? wholeShift(rng, w * width) : rng.uniform(-w, w) * width;
  const [low, high] = zoomBounds(options.zoomRange);
  let zx = 1;
  let zy = 1;
  if (low !== 1 || high !== 1) {
    zx = rng.uniform(low, high);
    zy = rng.uniform(low, high);
  }
  const flipHorizontal = options.horizontalFlip && rng.next() < 0.5;
  const cutoutSize = Math.min(options.cutout, height, width);
  const cutoutTop = cutoutSize ? Math.floor(rng.next() * (height - cutoutSize + 1)) : 0;
  const cutoutLeft = cutoutSize ? Math.floor(rng.next() * (width - cutoutSize + 1)) : 0;
  return { theta, tx, ty, zx, zy, flipHorizontal, cutoutTop, cutoutLeft, cutoutSize };
}

/** An integer drawn uniformly from [−⌊limit⌋, ⌊limit⌋]. */
function wholeShift(rng: Rng, limit: number): number {
  const most = Math.floor(limit + 1e-9);
  return Math.min(most, Math.floor(rng.next() * (2 * most + 1)) - most);
}

/**
 * The sampling map of one transform in array coordinates: the output pixel (r, c) reads the
 * input at (a·r + b·c + e, p·r + q·c + f), as `scipy.ndimage.affine_transform` does.
 */
interface SamplingMap {
  a: number;
  b: number;
  e: number;
  p: number;
  q: number;
  f: number;
}

// Keras builds rotation · shift · zoom in (x, y) order, centres it on ((h-1)/2, (w-1)/2), then
// swaps both axes (M' = P·M·P) because numpy indexes (row, col). The net effect, kept here on
// purpose: `tx` (from height_shift_range) moves columns and `ty` (from width_shift_range) rows,
// and the centre offsets pair h with columns. Both only matter for unequal ranges or non-square
// images.
function samplingMap(params: AugmentParams, height: number, width: number): SamplingMap {
  const angle = params.theta * Math.PI / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // T = R · S · Z in Keras' (x, y) order.
  const t00 = cos * params.zx;
  const t01 = -sin * params.zy;
  const t10 = sin * params.zx;
  const t11 = cos * params.zy;
  const t02 = cos * params.tx - sin * params.ty;
  const t12 = sin * params.tx + cos * params.ty;
  // Offset · T · Reset with o_x = h/2 − 0.5, o_y = w/2 − 0.5.
  const ox = height / 2 - 0.5;
  const oy = width / 2 - 0.5;
  const c02 = -t00 * ox - t01 * oy + t02 + ox;
  const c12 = -t10 * ox - t11 * oy + t12 + oy;
  // Swap x and y: row i of the result is row 1−i of C with its columns swapped too.
  return { a: t11, b: t10, e: c12, p: t01, q: t00, f: c02 };
}

let scratch = new Float32Array(0);
const tapIndex = new Int32Array(4 * 4096);
const tapWeight = new Float64Array(4 * 4096);

/**
 * Writes one augmented image as model input at `out[offset…]`: the image is normalised with
 * {@linkcode normalizeInto} (so augmented and plain inputs share the one preprocessing function),
 * resampled bilinearly (scipy's `order=1`) with Keras' default `fill_mode="nearest"` (sample
 * coordinates clamped to the image), then mirrored if `flipHorizontal` (Keras flips after the
 * affine transform), then the cutout square, if any, erased.
 */
export function augmentInto(
  image: RgbImage,
  params: AugmentParams,
  out: Float32Array,
  offset: number,
  spec: InputSpec,
): void {
  const { width, height } = image;
  const size = width * height * 3;
  if (scratch.length < size) scratch = new Float32Array(size);
  normalizeInto(image, scratch, 0, spec);
  const map = samplingMap(params, height, width);
  const pixelStride = spec.layout === "nhwc" ? 3 : 1;
  const channelStride = spec.layout === "nhwc" ? 1 : width * height;
  if (map.b === 0 && map.p === 0 && height <= 4096 && width <= 4096) {
    separable(map, params.flipHorizontal, width, height, pixelStride, channelStride, out, offset);
  } else {
    general(map, params.flipHorizontal, width, height, pixelStride, channelStride, out, offset);
  }
  if (params.cutoutSize) erase(params, spec, pixelStride, channelStride, out, offset);
}

const greyImages = new WeakMap<InputSpec, Float32Array>();

/** A whole image of mid-grey pixels as `spec`'s model input, normalised once per spec. */
function greyImage(spec: InputSpec): Float32Array {
  let grey = greyImages.get(spec);
  if (!grey) {
    const pixels = spec.width * spec.height;
    grey = new Float32Array(pixels * 3);
    const data = new Uint8Array(pixels * 3).fill(128);
    normalizeInto({ data, width: spec.width, height: spec.height }, grey, 0, spec);
    greyImages.set(spec, grey);
  }
  return grey;
}

// Erased pixels take the grey image's values, so the fill goes through the one normalisation.
function erase(
  params: AugmentParams,
  spec: InputSpec,
  pixelStride: number,
  channelStride: number,
  out: Float32Array,
  offset: number,
): void {
  const grey = greyImage(spec);
  const width = spec.width;
  const bottom = params.cutoutTop + params.cutoutSize;
  const right = params.cutoutLeft + params.cutoutSize;
  for (let ch = 0; ch < 3; ch++) {
    for (let r = params.cutoutTop; r < bottom; r++) {
      for (let c = params.cutoutLeft; c < right; c++) {
        const i = ch * channelStride + (r * width + c) * pixelStride;
        out[offset + i] = grey[i]!;
      }
    }
  }
}

// Tap k of coordinate x on an axis of n pixels: the clamped floor and floor + 1, with the
// weights scipy's order-1 spline gives them.
function setTaps(slot: number, x: number, n: number, scale: number): void {
  const clamped = x < 0 ? 0 : x > n - 1 ? n - 1 : x;
  const i0 = Math.floor(clamped);
  const t = clamped - i0;
  tapIndex[slot] = i0 * scale;
  tapIndex[slot + 1] = (i0 + 1 < n ? i0 + 1 : n - 1) * scale;
  tapWeight[slot] = 1 - t;
  tapWeight[slot + 1] = t;
}

function separable(
  map: SamplingMap,
  flip: boolean,
  width: number,
  height: number,
  pixelStride: number,
  channelStride: number,
  out: Float32Array,
  offset: number,
): void {
  // Rows use slots [0, 2h), columns [2h, 2h + 2w); the flip is folded into the column taps.
  const colBase = 2 * height;
  for (let r = 0; r < height; r++) setTaps(2 * r, map.a * r + map.e, height, width * pixelStride);
  for (let c = 0; c < width; c++) {
    const source = flip ? width - 1 - c : c;
    setTaps(colBase + 2 * c, map.q * source + map.f, width, pixelStride);
  }
  const src = scratch;
  for (let ch = 0; ch < 3; ch++) {
    const base = ch * channelStride;
    let o = offset + base;
    for (let r = 0; r < height; r++) {
      const r0 = base + tapIndex[2 * r]!;
      const r1 = base + tapIndex[2 * r + 1]!;
      const wr0 = tapWeight[2 * r]!;
      const wr1 = tapWeight[2 * r + 1]!;
      for (let c = 0; c < width; c++, o += pixelStride) {
        const k = colBase + 2 * c;
        const c0 = tapIndex[k]!;
        const c1 = tapIndex[k + 1]!;
        const wc0 = tapWeight[k]!;
        const wc1 = tapWeight[k + 1]!;
        // Summed in scipy's order: taps row-major, each value × row weight × column weight.
        out[o] = src[r0 + c0]! * wr0 * wc0 + src[r0 + c1]! * wr0 * wc1 +
          src[r1 + c0]! * wr1 * wc0 + src[r1 + c1]! * wr1 * wc1;
      }
    }
  }
}

function general(
  map: SamplingMap,
  flip: boolean,
  width: number,
  height: number,
  pixelStride: number,
  channelStride: number,
  out: Float32Array,
  offset: number,
): void {
  const src = scratch;
  const rowStride = width * pixelStride;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const source = flip ? width - 1 - c : c;
      setTaps(0, map.a * r + map.b * source + map.e, height, rowStride);
      setTaps(2, map.p * r + map.q * source + map.f, width, pixelStride);
      const [r0, r1, c0, c1] = [tapIndex[0]!, tapIndex[1]!, tapIndex[2]!, tapIndex[3]!];
      const [wr0, wr1, wc0, wc1] = [tapWeight[0]!, tapWeight[1]!, tapWeight[2]!, tapWeight[3]!];
      const o = offset + (r * width + c) * pixelStride;
      for (let ch = 0; ch < 3; ch++) {
        const base = ch * channelStride;
        out[o + base] = src[base + r0 + c0]! * wr0 * wc0 + src[base + r0 + c1]! * wr0 * wc1 +
          src[base + r1 + c0]! * wr1 * wc0 + src[base + r1 + c1]! * wr1 * wc1;
      }
    }
  }
}
