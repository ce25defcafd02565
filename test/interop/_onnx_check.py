"""Python's side of test/interop/onnx_export.ts: an independent reading of ferry's ONNX files.

Reads a JSON list of cases on stdin: {model, input, output, shape, classes}. For each model it runs
onnx.checker.check_model(full_check=True), reads the class names from metadata_props, runs Python
onnxruntime on the same float32 input that ferry ran, and reports the largest absolute difference
from ferry's probabilities. Writes one JSON result per case on stdout.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime


def main():
    results = []
    for case in json.load(sys.stdin):
        model = onnx.load(case["model"])
        onnx.checker.check_model(model, full_check=True)
        meta = {p.key: p.value for p in model.metadata_props}
        shape = case["shape"]
        x = np.fromfile(case["input"], dtype="<f4").reshape(shape)
        theirs = np.fromfile(case["output"], dtype="<f4").reshape(shape[0], -1)
        session = onnxruntime.InferenceSession(case["model"], providers=["CPUExecutionProvider"])
        (ours,) = session.run(None, {session.get_inputs()[0].name: x})
        results.append({
            "model": case["model"],
            "checker": "passed",
            "ir_version": model.ir_version,
            "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0],
            "class_names": json.loads(meta.get("ferry.class_names", "null")),
            "input": [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim],
            "max_abs_diff": float(np.max(np.abs(ours - theirs))),
            "top1_mismatches": int(np.sum(np.argmax(ours, 1) != np.argmax(theirs, 1))),
        })
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
