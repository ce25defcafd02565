import type { InputSpec } from "../image/mod.ts";

/** An execution provider of onnxruntime that ferry can ask for. */
export type Provider = "cpu" | "cuda";

/** What ferry knows about a loaded image classifier, from its metadata or from flags. */
export interface ModelInfo {
  /** Name the model is addressed by (see `modelNameOf`: the file name, or its run folder's). */
  name: string;
  path: string;
  /** Input size, layout and normalisation. */
  inputSpec: InputSpec;
  /** Class names, index = output position. */
  classNames: string[];
  inputName: string;
  outputName: string;
  /** Whether the output already holds probabilities; logits get a softmax in `run`. */
  outputIsProbabilities: boolean;
  /** The execution provider actually in use. */
  provider: Provider;
  /** The model's `metadata_props`, as stored. */
  metadata: Record<string, string>;
  /** The input tensor's shape as the file declares it ("N" or null for a dynamic dimension). */
  inputShape?: (number | string | null)[];
  /** The output tensor's shape as the file declares it. */
  outputShape?: (number | string | null)[];
  /** A batch size the model's input is fixed to; undefined when the batch dimension is dynamic. */
  fixedBatchSize?: number;
  /** Architecture name, from ferry's metadata. */
  architecture?: string;
  /** Training run the weights come from, from ferry's metadata. */
  runId?: string;
  /** Validation metrics recorded at training, from ferry's metadata. */
  validationMetrics?: Record<string, number>;
  /** Test metrics recorded at training, from ferry's metadata. */
  testMetrics?: Record<string, number>;
}

/** What the metadata would have said, for models that ferry did not make (flags). */
export interface ModelOverrides {
  labels?: string[];
  width?: number;
  height?: number;
  layout?: InputSpec["layout"];
  channelOrder?: InputSpec["channelOrder"];
  divisor?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Whether the model outputs probabilities or logits. */
  output?: "probabilities" | "logits";
}

/** An open ONNX image classifier. */
/** Options of {@linkcode ClassifierSession.run}. */
export interface RunOptions {
  /**
   * The caller gives `input` up: a model on another thread may take its buffer instead of
   * copying it, which leaves the caller's view empty. @default false
   */
  transfer?: boolean;
}

export interface ClassifierSession {
  readonly info: ModelInfo;
  /**
   * Runs `count` images laid out in `input` as `info.inputSpec` says; resolves to
   * `count * classNames.length` probabilities.
   */
  run(input: Float32Array, count: number, options?: RunOptions): Promise<Float32Array>;
  /**
   * Runs that execute at the same time when started together (a pool of model copies); a
   * pipeline keeps this many in flight. @default 1
   */
  readonly parallelRuns?: number;
  /** Frees the onnxruntime session. */
  release(): Promise<void>;
}
