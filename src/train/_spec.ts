import type { ImageDataset } from "../data/mod.ts";
import { FERRY_INPUT_SPEC, type InputSpec } from "../image/mod.ts";

/** ferry's input format at the dataset's image size. */
export function inputSpecOf(dataset: Pick<ImageDataset, "width" | "height">): InputSpec {
  return { ...FERRY_INPUT_SPEC, width: dataset.width, height: dataset.height };
}
