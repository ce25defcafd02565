/**
 * The `parameters` of a v2 infer request, its inputs and outputs: those of the extensions ferry
 * speaks pass, one that belongs to an extension ferry lacks is refused with that extension's name,
 * and any other is refused by name, so that no request is silently answered as something else.
 *
 * @module
 */
import { FerryError } from "../errors.ts";

/** The protocol extensions ferry speaks, as `GET /v2` lists them. */
export const EXTENSIONS = [
  "binary_tensor_data",
  "classification",
  "model_repository",
  "model_configuration",
  "statistics",
];

// Parameters of the extensions that Triton defines and ferry does not speak.
const LACKING: Record<string, string> = {
  sequence_id: "sequence",
  sequence_start: "sequence",
  sequence_end: "sequence",
  priority: "schedule_policy",
  timeout: "schedule_policy",
  shared_memory_region: "shared_memory",
  shared_memory_offset: "shared_memory",
  shared_memory_byte_size: "shared_memory",
};

/** `parameters` checked against those `allowed` where they appear (`request`, `input`, `output`). */
export function checkParameters(
  parameters: unknown,
  where: string,
  allowed: string[],
): Record<string, unknown> {
  if (parameters === undefined) return {};
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    throw new FerryError("usage", `Cannot infer: the ${where}'s 'parameters' must be an object`);
  }
  for (const key of Object.keys(parameters)) {
    if (allowed.includes(key)) continue;
    const extension = LACKING[key];
    throw new FerryError(
      "usage",
      extension
        ? `Cannot infer: '${key}' belongs to the ${extension} extension, which ferry does not ` +
          `speak (it speaks ${EXTENSIONS.join(", ")})`
        : `Cannot infer: the ${where} parameter '${key}' is not one ferry knows (here: ${
          allowed.join(", ") || "none"
        })`,
    );
  }
  return parameters as Record<string, unknown>;
}
