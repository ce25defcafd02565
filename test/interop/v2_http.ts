/**
 * Interop check: a Python client of the Open Inference Protocol over HTTP, written from the
 * protocol's published text with requests and numpy (`_v2_http_client.py`), against a real
 * `ferry serve --model-repository` holding the shipped model as version 2 and its int8 copy as
 * version 1: binary requests and responses, UINT8 pixels, BYTES JPEG and PNG images,
 * classification and versions, each checked against the JSON answers for the same images.
 * Needs `python3` with requests and numpy; run by `deno task test:interop`.
 *
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";
import { ensurePythonPackages, runPythonJson } from "./_python.ts";
import { startServe } from "../cli/_serve.ts";

const SHIPPED = new URL("../../models/cifar10-notebook/", import.meta.url).pathname;

/** 32×32 images with varied pixels, half JPEG and half PNG, each beside its raw pixels. */
async function writeImages(folder: string) {
  const images: { name: string; format: string; pixels: string }[] = [];
  for (let i = 0; i < 6; i++) {
    const pixels = new Uint8Array(32 * 32 * 3);
    let state = (i + 1) * 2654435761 >>> 0;
    for (let p = 0; p < pixels.length; p++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      // Gradients with noise, so that the model's answers are not all one class.
      pixels[p] = ((p % 96) * (i + 1) + (state >>> 27)) & 0xff;
    }
    const format = i % 2 === 0 ? "jpeg" : "png";
    const name = `${i}.${format === "jpeg" ? "jpg" : "png"}`;
    const raw = { width: 32, height: 32, channels: 3 as const };
    await sharp(pixels, { raw }).toFormat(format).toFile(join(folder, name));
    await Deno.writeFile(join(folder, `${i}.rgb`), pixels);
    images.push({ name, format, pixels: `${i}.rgb` });
  }
  return images;
}

async function main(): Promise<number> {
  await ensurePythonPackages(["requests", "numpy"]);
  const dir = await Deno.makeTempDir({ prefix: "ferry-v2-interop-" });
  try {
    for (const [version, file] of [["1", "model.int8.onnx"], ["2", "model.onnx"]]) {
      await Deno.mkdir(join(dir, "repo", "cifar10", version!), { recursive: true });
      await Deno.copyFile(
        join(SHIPPED, file!),
        join(dir, "repo", "cifar10", version!, "model.onnx"),
      );
    }
    await Deno.mkdir(join(dir, "images"));
    const images = await writeImages(join(dir, "images"));

    const { child, base: url, stderr } = await startServe([
      "--model-repository",
      join(dir, "repo"),
      "--port",
      "0",
      "--no-access-log",
    ]);
    try {
      const { code, stdout } = await runPythonJson(
        new URL("./_v2_http_client.py", import.meta.url).pathname,
        { url, model: "cifar10", images, folder: join(dir, "images") },
      );
      console.log(stdout.trim());
      return code;
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await stderr;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.exit(await main());
