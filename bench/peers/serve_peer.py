"""The FastAPI peer of `ferry serve`, as a Python user would write it: Pillow decodes, onnxruntime
runs the same ONNX file, uvicorn serves. Reads the model's size and class names from ferry's
metadata. Run from this folder:

    PEER_MODEL=model.onnx python3 -m uvicorn serve_peer:app --workers 2 --port 8090 \
        --loop uvloop --http httptools --no-access-log

POST /v1/classify takes one image as the raw body and answers like ferry's v1 API.
"""

import io
import json
import os

import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, HTTPException, Request
from PIL import Image, ImageOps, UnidentifiedImageError

MODEL = os.environ["PEER_MODEL"]
THREADS = int(os.environ.get("PEER_THREADS", "1"))

options = ort.SessionOptions()
options.intra_op_num_threads = THREADS
options.inter_op_num_threads = 1
session = ort.InferenceSession(MODEL, options, providers=["CPUExecutionProvider"])
meta = session.get_modelmeta().custom_metadata_map
INPUT = session.get_inputs()[0].name
WIDTH = int(meta.get("ferry.input_width", "32"))
HEIGHT = int(meta.get("ferry.input_height", "32"))
CLASSES = json.loads(meta.get("ferry.class_names", "null")) or [
    str(i) for i in range(session.get_outputs()[0].shape[-1])
]

app = FastAPI()


@app.get("/health")
async def health():
    return {"ready": True}


@app.post("/v1/classify")
async def classify(request: Request):
    body = await request.body()
    if not body:
        raise HTTPException(400, "no image")
    try:
        image = Image.open(io.BytesIO(body))
        image = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError) as error:
        raise HTTPException(422, str(error)) from error
    if image.size != (WIDTH, HEIGHT):
        image = image.resize((WIDTH, HEIGHT))
    x = np.asarray(image, dtype=np.float32)[None] / 255.0
    probabilities = session.run(None, {INPUT: x})[0][0]
    top = np.argsort(-probabilities)[:3]
    top_k = [{"label": CLASSES[i], "probability": float(probabilities[i])} for i in top]
    return {"predictions": [{**top_k[0], "top_k": top_k}]}
