/** One class and its probability. */
export interface LabelScore {
  label: string;
  probability: number;
}

/** The result for one file: a prediction, or the error that kept it from having one. */
export interface ClassifiedRow {
  /** The file's path as walked (the root as given, joined with the names below it). */
  path: string;
  /** The most probable class; absent when `error` is set. */
  label?: string;
  probability?: number;
  /** The `k` most probable classes, most probable first; empty when `error` is set. */
  topK: LabelScore[];
  /** Why the file could not be read or decoded. */
  error?: string;
}
