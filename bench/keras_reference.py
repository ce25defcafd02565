"""Keras reference for bench/train.ts: the notebook's CNN (or ferry's airbench network) and recipe,
timed the way bench/train.ts times ferry's backends.

Recipe: Conv2D(32,3,relu,same) > MaxPool2 > Conv2D(64) > MaxPool2 > Conv2D(128) > MaxPool2 >
Flatten > Dense(128,relu) > Dropout(0.5) > Dense(10,softmax); Adam(1e-3), categorical
cross-entropy, accuracy metric, batch 64, shuffled; inputs /255. With --architecture airbench,
src/model/airbench.ts' layers instead: seven units of Conv2D(3x3, no bias) > [MaxPool2] >
BatchNormalization(momentum 0.9) > ReLU at 24, 64, 64, 256, 256, 256, 256 filters (pooling in the
second, fourth and sixth), GlobalMaxPool > Dense(10,softmax).

Images come either from --raw (uint8 NHWC images then uint8 labels, as bench/train.ts writes the
exact images it trains on) or from --dir (<dir>/<class>/*.jpg, decoded by TensorFlow, first
--images files in sorted order). One warm-up fit on a few batches (graph tracing), then the timed
epochs. Prints one JSON line: {"tensorflow", "keras", "images", "steps", "ms_per_step": [...],
"cpu_ms_per_step": [...]} (wall and process CPU time per step, one entry per timed epoch).

  pip install --retries 0 tensorflow-cpu keras
  python3 bench/keras_reference.py --dir ../shared/datasets/cifar10/train --images 6400
"""

import argparse
import json
import os
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402


def notebook_cnn(classes):
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(32, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Conv2D(128, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(classes, activation="softmax"),
    ])


def airbench(classes):
    def unit(x, filters, pool):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        if pool:
            x = layers.MaxPooling2D(2)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        return layers.Activation("relu")(x)

    inputs = keras.Input((32, 32, 3))
    x = unit(inputs, 24, False)
    for filters in (64, 256, 256):
        x = unit(unit(x, filters, True), filters, False)
    x = layers.GlobalMaxPooling2D()(x)
    return keras.Model(inputs, layers.Dense(classes, activation="softmax")(x))


ARCHITECTURES = {"notebook_cnn": notebook_cnn, "airbench": airbench}


def cpu_seconds():
    """CPU time of this process, all threads (what bench/train.ts reports for ferry too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_raw(path, count):
    data = np.fromfile(path, dtype=np.uint8)
    pixels = 32 * 32 * 3
    n = data.size // (pixels + 1)
    images = data[: n * pixels].reshape(n, 32, 32, 3)
    labels = data[n * pixels:]
    return images[:count], labels[:count]


def load_dir(directory, count):
    classes = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
    files = sorted(
        (os.path.join(directory, c, f), i)
        for i, c in enumerate(classes)
        for f in os.listdir(os.path.join(directory, c))
    )
    rng = np.random.default_rng(0)
    picked = [files[i] for i in rng.permutation(len(files))[:count]]
    images = np.stack([
        tf.image.resize(tf.io.decode_image(tf.io.read_file(p), channels=3, expand_animations=False),
                        (32, 32)).numpy().round().clip(0, 255).astype(np.uint8)
        for p, _ in picked
    ])
    return images, np.array([label for _, label in picked], dtype=np.uint8)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw")
    parser.add_argument("--dir", default="../shared/datasets/cifar10/train")
    parser.add_argument("--images", type=int, default=6400)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default="notebook_cnn")
    args = parser.parse_args()

    images, labels = load_raw(args.raw, args.images) if args.raw else load_dir(args.dir, args.images)
    x = images.astype(np.float32) / 255.0
    y = keras.utils.to_categorical(labels, 10)
    model = ARCHITECTURES[args.architecture](10)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    warm = min(len(x), args.batch * 5)
    model.fit(x[:warm], y[:warm], batch_size=args.batch, epochs=1, verbose=0)
    steps = -(-len(x) // args.batch)
    ms_per_step, cpu_ms_per_step = [], []
    for _ in range(args.epochs):
        cpu_start, start = cpu_seconds(), time.perf_counter()
        model.fit(x, y, batch_size=args.batch, epochs=1, shuffle=True, verbose=0)
        ms_per_step.append((time.perf_counter() - start) * 1000 / steps)
        cpu_ms_per_step.append((cpu_seconds() - cpu_start) * 1000 / steps)
    print(json.dumps({
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "images": int(len(x)),
        "steps": steps,
        "ms_per_step": ms_per_step,
        "cpu_ms_per_step": cpu_ms_per_step,
    }))


if __name__ == "__main__":
    main()
