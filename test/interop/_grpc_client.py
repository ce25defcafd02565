"""A gRPC client of the Open Inference Protocol, with stubs that grpcio-tools generates from the
proto file it is given: calls every RPC of inference.GRPCInferenceService on a running ferry serve
and compares ModelInfer's probabilities (raw and typed FP32 inputs) with the HTTP v2 JSON infer
answer for the same input. Reads {"proto", "grpc", "http", "token", "model"} as JSON on stdin; prints one
line per check and exits 1 on any failure."""
import importlib
import json
import os
import random
import struct
import sys
import tempfile
import time
import urllib.request

import grpc
from grpc_tools import protoc

TOLERANCE = 1e-6
args = json.load(sys.stdin)
failures = []


def check(name, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
    if not ok:
        failures.append(name)


def stubs(proto):
    out = tempfile.mkdtemp(prefix="ferry-oip-")
    folder, file = os.path.split(os.path.abspath(proto))
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    code = protoc.main(["protoc", f"-I{folder}", f"-I{include}", f"--python_out={out}",
                        f"--grpc_python_out={out}", file])
    if code != 0:
        sys.exit(f"grpc_tools.protoc failed on {proto} ({code})")
    sys.path.insert(0, out)
    base = file[:-len(".proto")]
    return importlib.import_module(f"{base}_pb2"), importlib.import_module(f"{base}_pb2_grpc")


pb, pb_grpc = stubs(args["proto"])
channel = grpc.insecure_channel(args["grpc"])
grpc.channel_ready_future(channel).result(timeout=120)
stub = pb_grpc.GRPCInferenceServiceStub(channel)
auth = [("authorization", f"Bearer {args['token']}")]

deadline = time.time() + 120
while not stub.ServerReady(pb.ServerReadyRequest()).ready:
    if time.time() > deadline:
        sys.exit("ferry serve did not become ready over gRPC in 120 s")
    time.sleep(0.2)

check("ServerLive", stub.ServerLive(pb.ServerLiveRequest()).live is True)
check("ServerReady", stub.ServerReady(pb.ServerReadyRequest()).ready is True)
meta = stub.ServerMetadata(pb.ServerMetadataRequest(), metadata=auth)
check("ServerMetadata names ferry", meta.name == "ferry", repr(meta))
try:
    stub.ServerMetadata(pb.ServerMetadataRequest())
    check("ServerMetadata without the token is refused", False, "it answered")
except grpc.RpcError as error:
    check("ServerMetadata without the token is refused",
          error.code() == grpc.StatusCode.UNAUTHENTICATED, str(error.code()))


def http_json(path, body=None):
    request = urllib.request.Request(
        args["http"] + path, data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": f"Bearer {args['token']}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


name = args["model"]
model = stub.ModelMetadata(pb.ModelMetadataRequest(name=name), metadata=auth)
rest = http_json(f"/v2/models/{name}")
check("ModelMetadata equals the HTTP model metadata",
      (model.name, list(model.versions), model.platform) ==
      (rest["name"], rest["versions"], rest["platform"]) and
      [(t.name, t.datatype, list(t.shape)) for t in model.inputs] ==
      [(t["name"], t["datatype"], t["shape"]) for t in rest["inputs"]] and
      [(t.name, t.datatype, list(t.shape)) for t in model.outputs] ==
      [(t["name"], t["datatype"], t["shape"]) for t in rest["outputs"]], repr(model))
check("ModelReady", stub.ModelReady(pb.ModelReadyRequest(name=name), metadata=auth).ready is True)
check("ModelReady version 1",
      stub.ModelReady(pb.ModelReadyRequest(name=name, version="1"), metadata=auth).ready is True)

count = 4
shape = [count] + list(model.inputs[0].shape)[1:]
per_image = 1
for dim in shape[1:]:
    per_image *= dim
rng = random.Random(20261205)
# Values a float32 holds exactly, so the JSON and the binary requests carry the same numbers.
values = [struct.unpack("<f", struct.pack("<f", rng.random()))[0] for _ in range(count * per_image)]
tensor = dict(name=model.inputs[0].name, datatype="FP32", shape=shape)

raw = stub.ModelInfer(pb.ModelInferRequest(
    model_name=name, id="interop-1", inputs=[pb.ModelInferRequest.InferInputTensor(**tensor)],
    raw_input_contents=[struct.pack(f"<{len(values)}f", *values)]), metadata=auth)
typed = stub.ModelInfer(pb.ModelInferRequest(
    model_name=name, inputs=[pb.ModelInferRequest.InferInputTensor(
        **tensor, contents=pb.InferTensorContents(fp32_contents=values))],
    outputs=[pb.ModelInferRequest.InferRequestedOutputTensor(name=model.outputs[0].name)]),
    metadata=auth)
rest_answer = http_json(f"/v2/models/{name}/infer", {"inputs": [{**tensor, "data": values}]})
expected = rest_answer["outputs"][0]["data"]


def probabilities(answer):
    data = answer.raw_output_contents[0]
    return list(struct.unpack(f"<{len(data) // 4}f", data))


classes = model.outputs[0].shape[-1]
check("ModelInfer answers its id, model and version",
      (raw.id, raw.model_name, raw.model_version) == ("interop-1", name, "1"), repr(raw.id))
check("ModelInfer output tensor is FP32 [N, classes]",
      [(o.name, o.datatype, list(o.shape)) for o in raw.outputs] ==
      [(model.outputs[0].name, "FP32", [count, classes])], repr(raw.outputs))
for label, answer in (("raw_input_contents", raw), ("typed contents", typed)):
    got = probabilities(answer)
    worst = max((abs(a - b) for a, b in zip(got, expected)), default=float("inf"))
    check(f"ModelInfer with {label} equals the HTTP JSON probabilities (1e-6)",
          len(got) == len(expected) == count * classes and worst <= TOLERANCE,
          f"{len(got)} values, largest difference {worst}")

for label, request, code in (
    ("an unknown model", pb.ModelInferRequest(model_name="nope", inputs=[
        pb.ModelInferRequest.InferInputTensor(**tensor)]), grpc.StatusCode.NOT_FOUND),
    ("an INT8 input", pb.ModelInferRequest(model_name=name, inputs=[
        pb.ModelInferRequest.InferInputTensor(**{**tensor, "datatype": "INT8"})]),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("a short raw input", pb.ModelInferRequest(model_name=name, inputs=[
        pb.ModelInferRequest.InferInputTensor(**tensor)], raw_input_contents=[b"\0" * 8]),
     grpc.StatusCode.INVALID_ARGUMENT),
):
    try:
        stub.ModelInfer(request, metadata=auth)
        check(f"ModelInfer refuses {label}", False, "it answered")
    except grpc.RpcError as error:
        check(f"ModelInfer refuses {label} with {code.name}", error.code() == code,
              f"{error.code()}: {error.details()}")

print(f"grpc interop: {len(failures)} failed")
sys.exit(1 if failures else 0)
