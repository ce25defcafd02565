/** Options of {@linkcode ReduceLrOnPlateau}; it always minimises `val_loss`. */
export interface ReduceLrOptions {
  /** New rate = rate × factor; must be < 1. @default 0.2 */
  factor: number;
  /** Epochs without improvement before a reduction. @default 2 */
  patience: number;
  /** An improvement must beat the best by more than this (absolute). @default 1e-4 */
  minDelta: number;
  /** Epochs after a reduction during which no new one happens. @default 0 */
  cooldown: number;
  /** Floor of the learning rate. @default 0 */
  minLr: number;
}

/** Defaults of {@linkcode ReduceLrOptions}: the notebook's callback. */
export const REDUCE_LR_DEFAULTS: Readonly<ReduceLrOptions> = {
  factor: 0.2,
  patience: 2,
  minDelta: 1e-4,
  cooldown: 0,
  minLr: 0,
};

/** Everything ReduceLROnPlateau remembers between epochs; a checkpoint stores it. */
export interface ReduceLrState {
  wait: number;
  /** Best monitored value (`Infinity` at first; JSON stores it as null). */
  best: number | null;
  cooldownCounter: number;
}

/**
 * Keras 3's `ReduceLROnPlateau(monitor="val_loss", mode="min")`: an improvement is
 * `current < best - min_delta`; during cooldown the counter counts down and `wait` stays 0;
 * otherwise `wait` grows and when it reaches `patience` the rate becomes
 * `max(rate × factor, min_lr)` (only if it is still above `min_lr`), `wait` resets and cooldown
 * starts. Rates are float32, as Keras' optimizer variable holds them.
 */
export class ReduceLrOnPlateau {
  readonly options: ReduceLrOptions;
  #state: ReduceLrState;

  constructor(options: Partial<ReduceLrOptions> = {}, state?: ReduceLrState) {
    this.options = { ...REDUCE_LR_DEFAULTS, ...options };
    if (!(this.options.factor < 1)) {
      throw new RangeError(`Cannot reduce the learning rate by factor ${this.options.factor}`);
    }
    this.#state = state ? { ...state } : { wait: 0, best: null, cooldownCounter: 0 };
  }

  /** A copy of the state, for checkpoints. */
  get state(): ReduceLrState {
    return { ...this.#state };
  }

  /** Feeds one epoch's `val_loss` and the rate used in it; returns the rate for the next epoch. */
  onEpochEnd(current: number, learningRate: number): number {
    const s = this.#state;
    const o = this.options;
    if (s.cooldownCounter > 0) {
      s.cooldownCounter -= 1;
      s.wait = 0;
    }
    if (current < (s.best ?? Infinity) - o.minDelta) {
      s.best = current;
      s.wait = 0;
      return learningRate;
    }
    if (s.cooldownCounter > 0) return learningRate;
    s.wait += 1;
    if (s.wait < o.patience || !(learningRate > Math.fround(o.minLr))) return learningRate;
    s.cooldownCounter = o.cooldown;
    s.wait = 0;
    return Math.fround(Math.max(learningRate * o.factor, o.minLr));
  }
}
