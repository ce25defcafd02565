"""The Python peer of `ferry classify`: what a Python user would write to label a folder.

Walks the folder, decodes each image with Pillow, runs onnxruntime in batches of 256 and writes
a CSV row per image (path, label, probability). Reads the input size and class names from the
model's ferry metadata. Prints one JSON line: {"images", "failed", "seconds", "images_per_second"}.

Usage: python3 classify_peer.py MODEL.onnx FOLDER OUT.csv [BATCH]
"""
import csv
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort
from PIL import Image


def main() -> None:
    model_path, folder, out_path = sys.argv[1:4]
    batch_size = int(sys.argv[4]) if len(sys.argv) > 4 else 256
    start = time.perf_counter()
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    meta = session.get_modelmeta().custom_metadata_map
    classes = json.loads(meta["ferry.class_names"])
    width, height = int(meta["ferry.input_width"]), int(meta["ferry.input_height"])
    input_name = session.get_inputs()[0].name
    images = failed = 0
    with open(out_path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["path", "label", "probability", "error"])
        paths, arrays = [], []

        def flush() -> None:
            probs = session.run(None, {input_name: np.stack(arrays)})[0]
            best = probs.argmax(axis=1)
            for path, k, p in zip(paths, best, probs):
                writer.writerow([path, classes[k], f"{p[k]:.6f}", ""])
            paths.clear()
            arrays.clear()

        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    with Image.open(path) as image:
                        image = image.convert("RGB")
                        if image.size != (width, height):
                            image = image.resize((width, height))
                        arrays.append(np.asarray(image, dtype=np.float32) / 255.0)
                except Exception as error:  # a bad file is a row, never the end of the run
                    writer.writerow([path, "", "", str(error)])
                    failed += 1
                    continue
                paths.append(path)
                images += 1
                if len(arrays) == batch_size:
                    flush()
        if arrays:
            flush()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "images": images,
        "failed": failed,
        "seconds": seconds,
        "images_per_second": images / seconds,
    }))


if __name__ == "__main__":
    main()
