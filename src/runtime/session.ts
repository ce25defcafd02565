/**
 * `openClassifier`: an ONNX image classifier ready to run, with what it needs to know about
 * itself read from the file (ferry's metadata) or given by the caller (foreign models).
 *
 * @module
 */
import type * as Ort from "onnxruntime-node";
import { FerryError } from "../errors.ts";
import { valuesPerImage } from "../image/mod.ts";
import type { ClassifierSession, ModelInfo, ModelOverrides } from "./classifier.ts";
import { readOnnxModel } from "./model_file.ts";
import { modelNameOf } from "./model_paths.ts";
import { buildModelInfo } from "./model_info.ts";
import { createOrtSession, loadOrt, type SessionOptions } from "./providers.ts";
import { softmaxRows } from "./top_k.ts";

/** Options of {@linkcode openClassifier}. */
export interface OpenClassifierOptions extends SessionOptions {
  /** What the metadata would have said, for models ferry did not make. @default {} */
  overrides?: ModelOverrides;
  /** Name the model is addressed by. @default `modelNameOf(path)` */
  name?: string;
}

/**
 * Opens an ONNX image classifier: reads and checks the file, builds its {@linkcode ModelInfo},
 * and starts an onnxruntime session on the first provider of `options.providers` that loads.
 *
 * @example
 * ```ts
 * import { openClassifier, topK } from "./mod.ts";
 * declare const input: Float32Array; // 32 × 32 × 3 floats, NHWC
 * const model = await openClassifier("models/cifar10/model.onnx", { providers: ["cuda", "cpu"] });
 * const probs = await model.run(input, 1);
 * console.log(topK(probs, model.info.classNames, 3));
 * await model.release();
 * ```
 */
export async function openClassifier(
  path: string,
  options: OpenClassifierOptions = {},
): Promise<ClassifierSession> {
  const file = await readOnnxModel(path);
  const name = options.name ?? modelNameOf(path);
  // Check the metadata before starting onnxruntime, so a bad override fails fast.
  buildModelInfo(file, { name, path, provider: "cpu" }, options.overrides);
  const { session, provider } = await createOrtSession(file.bytes, path, options);
  const info = buildModelInfo(file, { name, path, provider }, options.overrides);
  return new OnnxClassifier(session, info, (await loadOrt()).Tensor);
}

class OnnxClassifier implements ClassifierSession {
  readonly #session: Ort.InferenceSession;
  readonly #Tensor: typeof Ort.Tensor;
  readonly info: ModelInfo;
  readonly #perImage: number;
  readonly #dims: (count: number) => number[];

  constructor(session: Ort.InferenceSession, info: ModelInfo, tensor: typeof Ort.Tensor) {
    this.#session = session;
    this.#Tensor = tensor;
    this.info = info;
    const { width: w, height: h, layout } = info.inputSpec;
    this.#perImage = valuesPerImage(info.inputSpec);
    this.#dims = layout === "nhwc" ? (n) => [n, h, w, 3] : (n) => [n, 3, h, w];
  }

  async run(input: Float32Array, count: number): Promise<Float32Array> {
    if (!Number.isInteger(count) || count < 0 || input.length !== count * this.#perImage) {
      throw new FerryError(
        "usage",
        `Cannot run model '${this.info.name}': expected ${count} × ${this.#perImage} floats, ` +
          `got ${input.length}`,
      );
    }
    const classes = this.info.classNames.length;
    const out = new Float32Array(count * classes);
    // A model fixed to batch 1 (common in exported foreign models) runs image by image.
    const step = this.info.fixedBatchSize === 1 ? 1 : count;
    if (
      this.info.fixedBatchSize !== undefined && step !== 1 && count !== this.info.fixedBatchSize
    ) {
      throw new FerryError(
        "usage",
        `Cannot run model '${this.info.name}': its batch size is fixed to ` +
          `${this.info.fixedBatchSize}, got ${count} images`,
      );
    }
    for (let start = 0; start < count; start += step) {
      const slice = input.subarray(start * this.#perImage, (start + step) * this.#perImage);
      const feeds = { [this.info.inputName]: new this.#Tensor("float32", slice, this.#dims(step)) };
      let result: Ort.InferenceSession.OnnxValueMapType;
      try {
        result = await this.#session.run(feeds, [this.info.outputName]);
      } catch (error) {
        throw new FerryError(
          "model",
          `Cannot run model '${this.info.name}': ${(error as Error).message}`,
        );
      }
      const data = result[this.info.outputName]!.data;
      if (!(data instanceof Float32Array) || data.length !== step * classes) {
        throw new FerryError(
          "model",
          `Cannot use model '${this.info.name}': its output '${this.info.outputName}' holds ` +
            `${data.length} values for ${step} images and ${classes} classes`,
        );
      }
      out.set(data, start * classes);
    }
    return this.info.outputIsProbabilities ? out : softmaxRows(out, classes);
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
