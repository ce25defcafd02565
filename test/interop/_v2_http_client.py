"""A client of the Open Inference Protocol over HTTP/REST, written from the protocol's published
text (KServe's "Open Inference Protocol (V2)" REST API and Triton's binary tensor data,
classification, statistics and model repository extensions), not from ferry's code.

Reads {"url", "model", "images": [{"name", "format", "pixels"}], "folder"} as JSON on stdin
(each image encoded as JPEG or PNG, and the raw RGB pixels it was encoded from), checks
ferry's answers against each other and against the JSON answers for the same images, prints a
JSON summary on stdout and exits 0 when every check holds (1 with the failures on stderr).
"""

import json
import os
import struct
import sys

import numpy as np
import requests

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


# --- the binary tensor data extension, as its text lays it out -------------------------------
# The body is the JSON inference header followed by the tensors' raw bytes; the header's length
# is given by Inference-Header-Content-Length, each tensor's by its binary_data_size parameter.
# Tensor bytes are row-major and little-endian; a BYTES element is a 4-byte little-endian length
# followed by its bytes.


def encode_bytes_elements(items):
    return b"".join(struct.pack("<I", len(item)) + item for item in items)


def decode_bytes_elements(raw):
    items, offset = [], 0
    while offset < len(raw):
        (length,) = struct.unpack_from("<I", raw, offset)
        items.append(raw[offset + 4 : offset + 4 + length])
        offset += 4 + length
    return items


def binary_request(header, parts):
    head = json.dumps(header).encode()
    return head + b"".join(parts), {
        "Content-Type": "application/octet-stream",
        "Inference-Header-Content-Length": str(len(head)),
    }


def read_response(response):
    """The header and each output's array: from `data`, or from the binary part after the header."""
    response.raise_for_status()
    length = response.headers.get("Inference-Header-Content-Length")
    if length is None:
        header, rest = response.json(), b""
    else:
        header = json.loads(response.content[: int(length)])
        rest = response.content[int(length) :]
    arrays, offset = {}, 0
    for output in header["outputs"]:
        size = (output.get("parameters") or {}).get("binary_data_size")
        if size is None:
            data = output["data"]
            arrays[output["name"]] = (
                np.array(data, dtype=object if output["datatype"] == "BYTES" else np.float32)
                .reshape(output["shape"])
            )
            continue
        raw = rest[offset : offset + size]
        offset += size
        if output["datatype"] == "BYTES":
            values = np.array([b.decode() for b in decode_bytes_elements(raw)], dtype=object)
        else:
            values = np.frombuffer(raw, dtype="<f4")
        arrays[output["name"]] = values.reshape(output["shape"])
    return header, arrays


def main():
    spec = json.load(sys.stdin)
    base, model = spec["url"], spec["model"]
    session = requests.Session()
    summary = {}

    # Server and model metadata: extensions, versions, the input it takes.
    server = session.get(f"{base}/v2").json()
    for extension in ("binary_tensor_data", "classification", "statistics", "model_repository"):
        check(extension in server["extensions"], f"GET /v2 lists {extension}")
    meta = session.get(f"{base}/v2/models/{model}").json()
    check(meta["versions"] == ["1", "2"], f"versions 1 and 2, got {meta['versions']}")
    tensor_in, tensor_out = meta["inputs"][0], meta["outputs"][0]
    _, height, width, channels = tensor_in["shape"]
    check(channels == 3 and tensor_in["datatype"] == "FP32", "an FP32 NHWC input")
    norm = meta["input_spec"]  # ferry's own field: how pixels become the model's floats
    classes = meta["classes"]
    summary["versions"] = meta["versions"]

    # The same images as the pixels they were encoded from and as their encoded bytes.
    encoded, sources = [], []
    for item in spec["images"]:
        with open(os.path.join(spec["folder"], item["name"]), "rb") as f:
            encoded.append((item["format"], f.read()))
        raw = np.fromfile(os.path.join(spec["folder"], item["pixels"]), dtype=np.uint8)
        sources.append(raw.reshape(height, width, 3))
    pixels = np.stack(sources)
    n = len(encoded)
    floats = (
        (pixels.astype(np.float64) / norm["divisor"] - np.array(norm["mean"]))
        / np.array(norm["std"])
    ).astype(np.float32)

    def infer(body, headers=None, version=None):
        path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "") + "/infer"
        return session.post(base + path, data=body, headers=headers or {
            "Content-Type": "application/json"})

    # 1. JSON FP32: the reference answer.
    json_fp32 = {"inputs": [{"name": tensor_in["name"], "shape": [n, height, width, 3],
                             "datatype": "FP32", "data": floats.flatten().tolist()}]}
    header, out = read_response(infer(json.dumps(json_fp32)))
    reference = out[tensor_out["name"]]
    check(reference.shape == (n, len(classes)), f"JSON answer shape {reference.shape}")
    check(header["model_version"] == "2", "the highest version answers by default")

    # 2. Binary FP32 in, binary out: the same floats.
    body, headers = binary_request({
        "inputs": [{"name": tensor_in["name"], "shape": [n, height, width, 3], "datatype": "FP32",
                    "parameters": {"binary_data_size": floats.nbytes}}],
        "outputs": [{"name": tensor_out["name"], "parameters": {"binary_data": True}}],
    }, [floats.astype("<f4").tobytes()])
    response = infer(body, headers)
    check("Inference-Header-Content-Length" in response.headers, "binary answer framed")
    _, out = read_response(response)
    check(np.array_equal(out[tensor_out["name"]], reference), "binary FP32 = JSON FP32")

    # 3. UINT8 pixels, binary in, ferry normalises them: the same floats again.
    body, headers = binary_request({
        "inputs": [{"name": tensor_in["name"], "shape": [n, height, width, 3], "datatype": "UINT8",
                    "parameters": {"binary_data_size": pixels.nbytes}}],
        "parameters": {"binary_data_output": True},
    }, [pixels.tobytes()])
    _, out = read_response(infer(body, headers))
    check(np.array_equal(out[tensor_out["name"]], reference), "binary UINT8 = JSON FP32")

    # 4. BYTES holding the encoded images: PNG is lossless, so it decodes to the same pixels and
    # answers the same floats; JPEG's answers are ferry's decoder's, checked below.
    items = [raw for _, raw in encoded]
    elements = encode_bytes_elements(items)
    body, headers = binary_request({
        "inputs": [{"name": tensor_in["name"], "shape": [n, 1], "datatype": "BYTES",
                    "parameters": {"binary_data_size": len(elements)}}],
        "outputs": [{"name": tensor_out["name"], "parameters": {"binary_data": True}}],
    }, [elements])
    _, out = read_response(infer(body, headers))
    from_bytes = out[tensor_out["name"]]
    lossless = [i for i, (fmt, _) in enumerate(encoded) if fmt == "png"]
    check(np.array_equal(from_bytes[lossless], reference[lossless]), "BYTES PNG = JSON FP32")
    # ...and exactly what ferry's own JSON API answers for the same images in one request.
    files = [("image", (f"{i}.{fmt}", raw)) for i, (fmt, raw) in enumerate(encoded)]
    v1 = session.post(f"{base}/v1/classify?model={model}&top_k={len(classes)}", files=files)
    for i, prediction in enumerate(v1.json()["predictions"]):
        by_label = {p["label"]: p["probability"] for p in prediction["top_k"]}
        expected = np.array([by_label[c] for c in classes], dtype=np.float32)
        check(np.array_equal(from_bytes[i], expected), f"BYTES image {i} = /v1/classify")

    # 5. Classification: the top 3 as "score:index:label", against the JSON answer's ranking.
    body, headers = binary_request({
        "inputs": [{"name": tensor_in["name"], "shape": [n, height, width, 3], "datatype": "UINT8",
                    "parameters": {"binary_data_size": pixels.nbytes}}],
        "outputs": [{"name": tensor_out["name"], "parameters": {"classification": 3}}],
    }, [pixels.tobytes()])
    header, out = read_response(infer(body, headers))
    top = out[tensor_out["name"]]
    check(top.shape == (n, 3) and header["outputs"][0]["datatype"] == "BYTES", "top 3 as BYTES")
    for i in range(n):
        order = np.argsort(-reference[i], kind="stable")[:3]
        for rank, text in enumerate(top[i]):
            score, index, label = text.split(":", 2)
            check(int(index) == order[rank] and label == classes[order[rank]],
                  f"image {i} rank {rank}: {text}")
            check(abs(float(score) - reference[i][order[rank]]) < 1e-6, f"score of {text}")
    summary["top1"] = [str(t[0]) for t in top]

    # 6. Versions: each addressable, each answering as itself.
    _, out = read_response(infer(json.dumps(json_fp32), version="2"))
    check(np.array_equal(out[tensor_out["name"]], reference), "version 2 = the default")
    header, out = read_response(infer(json.dumps(json_fp32), version="1"))
    check(header["model_version"] == "1", "version 1 answers as version 1")
    check(not np.array_equal(out[tensor_out["name"]], reference), "version 1 is another model")
    ready = session.get(f"{base}/v2/models/{model}/versions/1/ready")
    check(ready.status_code == 200, "version 1 ready")
    missing = session.get(f"{base}/v2/models/{model}/versions/7")
    check(missing.status_code == 404, "an unknown version is 404")

    # 7. Statistics and the repository index.
    stats = session.get(f"{base}/v2/models/{model}/versions/1/stats").json()["model_stats"][0]
    check(stats["inference_count"] == n and stats["execution_count"] == 1,
          f"version 1 ran once on {n} images: {stats['inference_count']}")
    check(stats["inference_stats"]["success"]["count"] == 1, "one success on version 1")
    index = session.post(f"{base}/v2/repository/index", json={}).json()
    check([(r["name"], r["version"], r["state"]) for r in index]
          == [(model, "1", "READY"), (model, "2", "READY")], f"repository index {index}")

    # 8. An extension ferry lacks is refused by name.
    refused = infer(json.dumps({**json_fp32, "parameters": {"sequence_id": 1}}))
    check(refused.status_code == 400 and "sequence" in refused.json()["error"],
          "the sequence extension refused by name")

    summary["checks_failed"] = len(failures)
    print(json.dumps(summary))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
