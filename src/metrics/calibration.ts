/**
 * Calibration: how far a model's confidence is from its accuracy. Expected calibration error in
 * its usual form (Guo et al. 2017: equal-width bins on the top-1 probability, the bins' |accuracy
 * − confidence| weighted by their share of images), the bins for a reliability diagram, and a
 * softmax temperature fitted by minimising the negative log-likelihood.
 *
 * @module
 */
import { FerryError } from "../errors.ts";

/** Bins of the expected calibration error, as in Guo et al. and most libraries. */
export const CALIBRATION_BINS = 15;

/**
 * Probabilities are floored here before their log: a float32 softmax gives exact zeros, and the
 * exported graph applies the same floor, so the fitted temperature is the one the graph uses.
 */
export const LOG_FLOOR = 1e-30;

/** One confidence bin: images whose top-1 probability lies in (lower, upper]. */
export interface CalibrationBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean top-1 probability of the bin's images (0 when empty). */
  confidence: number;
  /** Share of the bin's images whose top-1 class is right (0 when empty). */
  accuracy: number;
}

/** The reliability diagram's bins and the expected calibration error they give. */
export interface Calibration {
  bins: CalibrationBin[];
  /** Σ (images in bin / images) · |accuracy − confidence|, in [0, 1]. */
  ece: number;
}

/**
 * Bins `count × classCount` probabilities by their top-1 probability and measures the expected
 * calibration error against the true class indices `labels`.
 *
 * @example
 * ```ts
 * import { calibration } from "./mod.ts";
 *
 * // Two images at 90% confidence, one of them right: a 40-point gap.
 * const { ece, bins } = calibration([0.9, 0.1, 0.9, 0.1], [0, 1], 2); // ece ≈ 0.4, 15 bins
 * ```
 */
export function calibration(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  classCount: number,
  binCount: number = CALIBRATION_BINS,
): Calibration {
  const count = rows(probabilities, labels, classCount, "calibration error");
  const sums = Array.from({ length: binCount }, () => ({ n: 0, confidence: 0, correct: 0 }));
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classCount; c++) {
      if (probabilities[i * classCount + c]! > probabilities[i * classCount + best]!) best = c;
    }
    const p = probabilities[i * classCount + best]!;
    // (lower, upper] bins: a confidence of exactly 1 falls in the last one, 0 in the first.
    const bin = sums[Math.min(binCount - 1, Math.max(0, Math.ceil(p * binCount) - 1))]!;
    bin.n++;
    bin.confidence += p;
    if (best === labels[i]) bin.correct++;
  }
  let ece = 0;
  const bins = sums.map((s, b) => {
    const confidence = s.n > 0 ? s.confidence / s.n : 0;
    const accuracy = s.n > 0 ? s.correct / s.n : 0;
    ece += (s.n / count) * Math.abs(accuracy - confidence);
    return { lower: b / binCount, upper: (b + 1) / binCount, count: s.n, confidence, accuracy };
  });
  return { bins, ece };
}

/**
 * Rows of probabilities (or logits) divided by temperature `t` before the softmax: for
 * probabilities that is softmax(log p / t), the same as softmax(z / t) of the logits z the model's
 * own softmax took, since log p = z − logsumexp(z) and the shift cancels.
 *
 * @example
 * ```ts
 * import { applyTemperature } from "./mod.ts";
 *
 * applyTemperature([0.9, 0.1], 2, 2, "probabilities"); // [0.75, 0.25]: softer
 * ```
 */
export function applyTemperature(
  scores: ArrayLike<number>,
  classCount: number,
  t: number,
  kind: "probabilities" | "logits",
): Float32Array {
  const out = new Float32Array(scores.length);
  const z = new Float64Array(classCount);
  for (let i = 0; i < scores.length / classCount; i++) {
    let max = -Infinity;
    for (let c = 0; c < classCount; c++) {
      z[c] = score(scores[i * classCount + c]!, kind) / t;
      if (z[c]! > max) max = z[c]!;
    }
    let sum = 0;
    for (let c = 0; c < classCount; c++) sum += z[c] = Math.exp(z[c]! - max);
    for (let c = 0; c < classCount; c++) out[i * classCount + c] = z[c]! / sum;
  }
  return out;
}

/**
 * The softmax temperature that minimises the mean negative log-likelihood of `labels` (Guo et
 * al.'s temperature scaling). The likelihood is unimodal in the temperature, so a golden-section
 * search over log t in [0.05, 20] finds it.
 *
 * @example
 * ```ts
 * import { fitTemperature } from "./mod.ts";
 *
 * declare const probabilities: Float32Array; // images × 10, the validation split's
 * declare const labels: Uint8Array; // their true classes
 * const t = fitTemperature(probabilities, labels, 10, "probabilities");
 * ```
 */
export function fitTemperature(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  classCount: number,
  kind: "probabilities" | "logits",
): number {
  const count = rows(scores, labels, classCount, "temperature");
  const z = Float64Array.from(scores as ArrayLike<number>, (s) => score(s, kind));
  const nll = (logT: number) => {
    const beta = Math.exp(-logT);
    let total = 0;
    for (let i = 0; i < count; i++) {
      let max = -Infinity;
      for (let c = 0; c < classCount; c++) max = Math.max(max, beta * z[i * classCount + c]!);
      let sum = 0;
      for (let c = 0; c < classCount; c++) sum += Math.exp(beta * z[i * classCount + c]! - max);
      total += max + Math.log(sum) - beta * z[i * classCount + labels[i]!]!;
    }
    return total / count;
  };
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.05), hi = Math.log(20);
  let a = hi - ratio * (hi - lo), b = lo + ratio * (hi - lo);
  let fa = nll(a), fb = nll(b);
  while (hi - lo > 1e-5) {
    if (fa < fb) {
      hi = b, b = a, fb = fa;
      a = hi - ratio * (hi - lo), fa = nll(a);
    } else {
      lo = a, a = b, fa = fb;
      b = lo + ratio * (hi - lo), fb = nll(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

function score(value: number, kind: "probabilities" | "logits"): number {
  return kind === "logits" ? value : Math.log(Math.max(value, LOG_FLOOR));
}

function rows(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  classCount: number,
  what: string,
): number {
  const count = scores.length / classCount;
  if (!Number.isInteger(count) || count !== labels.length || count === 0) {
    throw new FerryError(
      "usage",
      `Cannot compute the ${what}: ${scores.length} scores for ${labels.length} labels ` +
        `of ${classCount} classes`,
    );
  }
  return count;
}
