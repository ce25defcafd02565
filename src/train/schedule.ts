/** Learning-rate schedules within a run, by name. */
export const LR_SCHEDULES = ["constant", "cosine", "one_cycle"] as const;
/** A schedule name. */
export type LrSchedule = typeof LR_SCHEDULES[number];

// One-cycle's shape, as PyTorch's OneCycleLR defaults it: 30% warm-up from lr/25, then a
// cosine down to lr/(25·10⁴).
const ONE_CYCLE = { warmup: 0.3, startDiv: 25, finalDiv: 25 * 1e4 };

const cosineStep = (from: number, to: number, p: number) =>
  to + (from - to) * (1 + Math.cos(Math.PI * p)) / 2;

/**
 * The factor (of the base learning rate) at global step `step` of `totalSteps`: 1 throughout for
 * `constant`; a half cosine from 1 to 0 for `cosine`; for `one_cycle`, a cosine rise from 1/25
 * to 1 over the first 30% of steps, then a cosine fall to 1/250,000. A pure function of the step,
 * so a resumed run follows the same curve.
 */
export function scheduleFactor(schedule: LrSchedule, step: number, totalSteps: number): number {
  const p = Math.min(Math.max(step / Math.max(totalSteps, 1), 0), 1);
  switch (schedule) {
    case "constant":
      return 1;
    case "cosine":
      return cosineStep(1, 0, p);
    case "one_cycle":
      return p < ONE_CYCLE.warmup
        ? cosineStep(1 / ONE_CYCLE.startDiv, 1, p / ONE_CYCLE.warmup)
        : cosineStep(1, 1 / ONE_CYCLE.finalDiv, (p - ONE_CYCLE.warmup) / (1 - ONE_CYCLE.warmup));
  }
}
