import { basename, dirname } from "node:path";
import type { ClassifiedRow } from "./row.ts";

/** True and predicted classes of the images whose folder names a class of the model. */
export interface FolderLabels {
  yTrue: number[];
  yPred: number[];
  /** Probabilities of every image counted, `yTrue.length × classes`, for the loss. */
  probabilities: Float32Array;
  /** Classified images whose folder is no class of the model, left out of `yTrue`. */
  unlabelled: number;
}

/** Gathers true classes (from folder names) and predictions for the evaluation report. */
export class LabelCollector {
  readonly #index: Map<string, number>;
  readonly #yTrue: number[] = [];
  readonly #yPred: number[] = [];
  #probabilities: number[] = [];
  #unlabelled = 0;

  constructor(classNames: string[]) {
    this.#index = new Map(classNames.map((name, i) => [name, i]));
  }

  /** Adds a classified row; its probabilities are row `index` of the batch's `probabilities`. */
  add(row: ClassifiedRow, probabilities: Float32Array, index: number): void {
    const truth = this.#index.get(basename(dirname(row.path)));
    if (truth === undefined || row.label === undefined) {
      this.#unlabelled++;
      return;
    }
    const classes = this.#index.size;
    this.#yTrue.push(truth);
    this.#yPred.push(this.#index.get(row.label)!);
    for (let c = 0; c < classes; c++) this.#probabilities.push(probabilities[index * classes + c]!);
  }

  result(): FolderLabels {
    return {
      yTrue: this.#yTrue,
      yPred: this.#yPred,
      probabilities: new Float32Array(this.#probabilities),
      unlabelled: this.#unlabelled,
    };
  }
}
