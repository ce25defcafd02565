import * as tf from "@tensorflow/tfjs";

/** Loss functions, by Keras name. */
export const LOSSES = [
  "categorical_crossentropy",
  "sparse_categorical_crossentropy",
  "mse",
] as const;
/** A loss name. */
export type LossName = typeof LOSSES[number];

// Keras' backend epsilon: probabilities are clipped to [EPSILON, 1 - EPSILON] before the log.
const EPSILON = 1e-7;

/**
 * Per-sample losses of softmax outputs `probs` [n, k] against class indices `labels` [n] (int32),
 * computed as Keras 3 does for `from_logits=False`: outputs renormalised to sum 1 and clipped
 * before the log; MSE against one-hot targets, averaged over classes. `labelSmoothing` ε turns
 * the categorical target into `(1 − ε)·onehot + ε/k`, as Keras' `label_smoothing` does.
 */
export function sampleLosses(
  loss: LossName,
  labels: tf.Tensor1D,
  probs: tf.Tensor2D,
  labelSmoothing = 0,
): tf.Tensor1D {
  return tf.tidy(() => {
    const classes = probs.shape[1];
    let oneHot = tf.oneHot(labels, classes).toFloat();
    if (labelSmoothing > 0) {
      oneHot = tf.add(tf.mul(oneHot, 1 - labelSmoothing), labelSmoothing / classes);
    }
    if (loss === "mse") return tf.mean(tf.squaredDifference(oneHot, probs), -1) as tf.Tensor1D;
    // The sparse and the categorical forms are the same number for one-hot targets; Keras
    // computes both as -log(p[label]) on the renormalised, clipped output.
    const normalised = tf.div(probs, tf.sum(probs, -1, true));
    const clipped = tf.clipByValue(normalised, EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.log(clipped)), -1)) as tf.Tensor1D;
  });
}

/** Mean loss of a batch (the scalar that is minimised). */
export function batchLoss(
  loss: LossName,
  labels: tf.Tensor1D,
  probs: tf.Tensor2D,
  labelSmoothing = 0,
): tf.Scalar {
  return tf.tidy(() => tf.mean(sampleLosses(loss, labels, probs, labelSmoothing)) as tf.Scalar);
}

/** Number of samples whose arg-max prediction is their label (Keras' categorical accuracy). */
export function correctCount(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.equal(tf.argMax(probs, -1), labels).toInt()) as tf.Scalar);
}
