/** Options of {@linkcode EarlyStopping}, Keras' names in camelCase; it always minimises `val_loss`. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. @default 5 */
  patience: number;
  /** An improvement must beat the best by more than this (absolute). @default 0 */
  minDelta: number;
  /** Put back the best epoch's weights when training ends, stopped early or not. @default true */
  restoreBestWeights: boolean;
}

/** Defaults of {@linkcode EarlyStoppingOptions}: the notebook's callback. */
export const EARLY_STOPPING_DEFAULTS: Readonly<EarlyStoppingOptions> = {
  patience: 5,
  minDelta: 0,
  restoreBestWeights: true,
};

/** Everything EarlyStopping remembers between epochs; a checkpoint stores it. */
export interface EarlyStoppingState {
  wait: number;
  /** Best monitored value so far (`Infinity` before the first epoch; JSON stores it as null). */
  best: number | null;
  /** 0-based epoch of `best`. */
  bestEpoch: number;
  /** 0-based epoch at which it asked to stop, 0 when it has not. */
  stoppedEpoch: number;
  /** Whether a best-weights snapshot exists (Keras' `best_weights is not None`). */
  hasBestWeights: boolean;
}

/** What the loop must do after an epoch. */
export interface EarlyStoppingDecision {
  /** Take a snapshot of the current weights as the best ones. */
  snapshot: boolean;
  /** Stop training after this epoch. */
  stop: boolean;
}

/**
 * Keras 3's `EarlyStopping(monitor="val_loss", mode="min")`, decision for decision: `wait`
 * grows before the comparison and resets on improvement; an improvement is
 * `current + min_delta < best`; it stops when `wait >= patience` on any epoch but the first;
 * with `restore_best_weights` the first epoch's weights are the best until beaten, and they are
 * restored at the end of training even when it did not stop early.
 */
export class EarlyStopping {
  readonly options: EarlyStoppingOptions;
  #state: EarlyStoppingState;

  constructor(options: Partial<EarlyStoppingOptions> = {}, state?: EarlyStoppingState) {
    this.options = { ...EARLY_STOPPING_DEFAULTS, ...options };
    this.#state = state
      ? { ...state }
      : { wait: 0, best: null, bestEpoch: 0, stoppedEpoch: 0, hasBestWeights: false };
  }

  /** A copy of the state, for checkpoints. */
  get state(): EarlyStoppingState {
    return { ...this.#state };
  }

  /** Feeds one epoch's `val_loss` (`epoch` is 0-based). */
  onEpochEnd(epoch: number, current: number): EarlyStoppingDecision {
    const s = this.#state;
    let snapshot = false;
    if (this.options.restoreBestWeights && !s.hasBestWeights) {
      snapshot = true;
      s.hasBestWeights = true;
      s.bestEpoch = epoch;
    }
    s.wait += 1;
    // NaN compares false, so a NaN epoch never counts as an improvement (as in Keras).
    if (current + Math.abs(this.options.minDelta) < (s.best ?? Infinity)) {
      s.best = current;
      s.bestEpoch = epoch;
      s.wait = 0;
      return { snapshot: snapshot || this.options.restoreBestWeights, stop: false };
    }
    if (s.wait >= this.options.patience && epoch > 0) {
      s.stoppedEpoch = epoch;
      return { snapshot, stop: true };
    }
    return { snapshot, stop: false };
  }

  /** Whether the best weights should be put back now that training has ended. */
  shouldRestore(): boolean {
    return this.options.restoreBestWeights && this.#state.hasBestWeights;
  }
}
