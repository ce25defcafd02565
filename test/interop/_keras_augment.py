"""Keras side of keras_augment.ts: applies tf.keras' ImageDataGenerator.apply_transform to each
case's image (uint8 -> float32 / 255, as the notebook does) with the case's parameters, and
writes the float32 results back to back (NHWC) to the output file.

  python3 _keras_augment.py CASES.json OUT.f32
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

cases = json.load(open(sys.argv[1]))
generator = tf.keras.preprocessing.image.ImageDataGenerator(
    horizontal_flip=True, width_shift_range=0.1, height_shift_range=0.1
)
with open(sys.argv[2], "wb") as out:
    for case in cases:
        pixels = np.frombuffer(bytes(case["pixels"]), dtype=np.uint8)
        x = pixels.reshape(case["height"], case["width"], 3).astype("float32") / 255
        y = generator.apply_transform(x, case["params"])
        out.write(np.ascontiguousarray(y, dtype=np.float32).tobytes())
