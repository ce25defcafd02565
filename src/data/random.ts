/**
 * Seeded randomness for shuffling, splitting and augmentation: the same seed gives the same
 * numbers on every machine and every run, so a resumed training run sees the same batches.
 *
 * @module
 */

/** A seeded source of uniform numbers. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [low, high). */
  uniform(low: number, high: number): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/**
 * Mixes integers (a seed, an epoch, a batch number …) into one 32-bit seed, so that nearby inputs
 * give unrelated streams. Uses the finaliser of MurmurHash3 on each part.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Seeds may exceed 32 bits (Date.now()); fold the high part in too.
    const low = part >>> 0;
    const high = Math.floor(part / 0x1_0000_0000) >>> 0;
    h = avalanche(h ^ low);
    h = avalanche(h ^ high ^ 0x85ebca6b);
  }
  return h >>> 0;
}

function avalanche(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A small, fast generator with a 32-bit state (the "mulberry32" construction): good enough for
 * shuffling and augmentation, not for cryptography.
 *
 * @example
 * ```ts
 * import { createRng } from "./mod.ts";
 *
 * const rng = createRng(42);
 * const coin = rng.next() < 0.5;
 * ```
 */
export function createRng(seed: number): Rng {
  let state = mixSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  return {
    next,
    uniform: (low, high) => low + (high - low) * next(),
    int: (n) => Math.floor(next() * n),
  };
}

/** Shuffles `values` in place (Fisher–Yates) and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(
  values: T,
  rng: Rng,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
}
