import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { FerryError } from "../errors.ts";

/** File names of a saved tfjs Layers model (the format `tf.loadLayersModel` reads). */
export const MODEL_FILES = { topology: "model.json", weights: "weights.bin" } as const;

/** Joins tfjs' weight data, which may come as one buffer or several. */
export function weightBytes(data: tf.io.WeightData): Uint8Array {
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return new Uint8Array(buffer);
}

/**
 * Saves `model` as `model.json` + `weights.bin` in `dir` (created if needed), with
 * `metadata` stored as the model's `userDefinedMetadata`. Plain files, no tfjs-node needed.
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  metadata?: Record<string, unknown>,
): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  if (metadata) model.setUserDefinedMetadata(metadata);
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const json = {
      format: "layers-model",
      generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts.weightSpecs }],
      ...(artifacts.userDefinedMetadata
        ? { userDefinedMetadata: artifacts.userDefinedMetadata }
        : {}),
    };
    await Deno.writeFile(join(dir, MODEL_FILES.weights), weightBytes(artifacts.weightData!));
    await Deno.writeTextFile(join(dir, MODEL_FILES.topology), JSON.stringify(json));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
}

/** Loads a model saved by {@linkcode saveModel} (or any single-file tfjs Layers model). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  let json: {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: Record<string, object>;
  };
  try {
    json = JSON.parse(await Deno.readTextFile(join(dir, MODEL_FILES.topology)));
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot load model '${dir}': ${(error as Error).message}`,
    );
  }
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const parts = await Promise.all(
    json.weightsManifest.flatMap((group) => group.paths).map((p) => Deno.readFile(join(dir, p))),
  );
  const weightData = tf.io.concatenateArrayBuffers(
    parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer),
  );
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData,
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  };
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new FerryError("model", `Cannot load model '${dir}': ${(error as Error).message}`);
  }
}
