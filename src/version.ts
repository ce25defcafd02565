/**
 * ferry's version, read from `deno.json` so that the release number is written in one place:
 * `ferry --version`, the Open Inference Protocol's server metadata and every exported ONNX file's
 * `producer_version` all say this.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };

/** The version in `deno.json`, for example `"0.1.0"`. */
export const VERSION: string = denoJson.version;
