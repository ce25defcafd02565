/**
 * What the gRPC service asks of the models, in one file: the one place that knows how the
 * service holds them (a fixed set, one version each), so that a registry with versions and
 * reloads changes this file only.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { modelSummary } from "./_describe.ts";
import type { ServedModel } from "./_models.ts";
import type { ServeState } from "./_state.ts";

/** A model's metadata as `ModelMetadataResponse` carries it. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  platform: string;
  inputs: { name: string; datatype: string; shape: number[] }[];
  outputs: { name: string; datatype: string; shape: number[] }[];
}

/** The model `name` (the default when empty) at `version` (any when empty); `not_found` else. */
function find(state: ServeState, name: string, version: string): ServedModel {
  const model = state.models.get(name || undefined);
  if (version !== "" && version !== "1") {
    throw new FerryError(
      "not_found",
      `Cannot find version ${version} of model '${model.name}': serving version 1`,
    );
  }
  return model;
}

/** Whether the model is warm and no shutdown has begun. */
export function modelReady(state: ServeState, name: string, version: string): boolean {
  return find(state, name, version).ready && !state.models.draining;
}

/** The protocol's metadata fields of a model. */
export function modelMetadata(state: ServeState, name: string, version: string): ModelMetadata {
  const { name: found, versions, platform, inputs, outputs } = modelSummary(
    find(state, name, version),
  ) as unknown as ModelMetadata;
  return { name: found, versions, platform, inputs, outputs };
}

/** Runs `fn` on the model a request names, with the version it is. */
export function withModel<T>(
  state: ServeState,
  name: string,
  version: string,
  fn: (model: ServedModel, version: string) => Promise<T>,
): Promise<T> {
  return fn(find(state, name, version), "1");
}
