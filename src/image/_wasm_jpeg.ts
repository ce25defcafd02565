/**
 * The fast JPEG decoder: mozjpeg compiled to WebAssembly (`@jsquash/jpeg`), about 50 µs of CPU
 * per 32×32 image where sharp pays about half a millisecond to set up a libvips pipeline.
 *
 * Two properties of the Emscripten module shape this file:
 * - libjpeg reports a recoverable problem ("Corrupt JPEG data", "Premature end of JPEG file") as
 *   a warning printed to stderr and carries on; sharp (`failOn: "warning"`) rejects such files.
 *   Warnings are captured through the module's `printErr` and the file is handed back to sharp.
 * - A fatal libjpeg error exits the module by throwing through the WebAssembly stack, which
 *   leaves its stack pointer and heap in an undefined state (later decodes then fail with
 *   "memory access out of bounds" or worse). After any throw the instance is discarded.
 *
 * @module
 */
// The codec factory rather than `@jsquash/jpeg/decode.js`: that wrapper keeps one global
// instance, and this module must be able to replace a poisoned instance with a fresh one.
import createModule from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import type { RgbImage } from "./rgb_image.ts";

interface MozJpegDecoder {
  decode(
    data: Uint8Array,
    applyOrientation: boolean,
  ): { data: Uint8ClampedArray; width: number; height: number } | null;
}

type ModuleFactory = (options: Record<string, unknown>) => Promise<MozJpegDecoder>;

let instance: Promise<MozJpegDecoder> | undefined;
let warned = false;
let unavailable = false;

function instantiate(): Promise<MozJpegDecoder> {
  // The module finds and compiles its own .wasm file; the runtime caches the compiled code, so a
  // fresh instance after a fatal error costs about 2 ms.
  return (createModule as unknown as ModuleFactory)({
    noInitialRun: true,
    print: () => {},
    printErr: () => {
      warned = true;
    },
  });
}

/**
 * Decodes a JPEG the caller has vetted (see `fastPathObstacle`) to RGB, or returns undefined
 * when libjpeg warned or failed: the caller then asks sharp, which gives its own verdict.
 */
export async function decodeJpegWasm(bytes: Uint8Array): Promise<RgbImage | undefined> {
  if (unavailable) return undefined;
  instance ??= instantiate();
  let decoder;
  try {
    decoder = await instance;
  } catch {
    // No WebAssembly module (a stripped install): everything goes to sharp, just slower.
    unavailable = true;
    return undefined;
  }
  warned = false;
  let rgba;
  try {
    // `false`: never rotate; EXIF-oriented files do not come here.
    rgba = decoder.decode(bytes, false);
  } catch {
    instance = undefined;
    return undefined;
  }
  if (rgba === null || warned) return undefined;
  const { data, width, height } = rgba;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; o < rgb.length; i += 4, o += 3) {
    rgb[o] = data[i]!;
    rgb[o + 1] = data[i + 1]!;
    rgb[o + 2] = data[i + 2]!;
  }
  return { data: rgb, width, height };
}
