/**
 * `ferry classify`: label every image under the given files and folders with an ONNX model,
 * rows on stdout (or `--out`), progress and summary on stderr.
 *
 * @module
 */
import {
  CLASSIFY_DEFAULTS,
  CLASSIFY_MODEL_DEFAULTS,
  type ClassifyOptions,
  classifyPaths,
  type ClassifySummary,
  openClassifyModel,
  OUTPUT_FORMATS,
  type OutputFormat,
  parseShard,
  PIPELINE_DEFAULTS,
  WALK_DEFAULTS,
  walkBatches,
  type WalkOptions,
  workersFor,
} from "../classify/mod.ts";
import { formatConfig } from "../config/mod.ts";
import { mergeShards } from "./_classify_merge.ts";
import { terminalReporter } from "../progress/mod.ts";
import { type ModelInfo, type Provider, SESSION_DEFAULTS } from "../runtime/mod.ts";
import { type Command, CONFIG_FLAG, type ParsedFlags, resolveCommandConfig } from "./_command.ts";
import {
  defaultModelPath,
  MODEL_OPTIONS,
  modelOverridesFlags,
  OVERRIDE_FLAGS,
} from "./_model_flags.ts";
import { optionFlags, type OptionTable, optionValues } from "./_options.ts";

/** The resolved configuration of one run, as printed and saved. */
interface ClassifyConfig {
  model: string;
  providers: Provider[];
  threads: number;
  workers: number;
  format: OutputFormat;
  out: string | null;
  topK: number;
  batchSize: number;
  recursive: boolean;
  include: string[];
  exclude: string[];
  resume: boolean;
  sortInto: string | null;
  link: boolean;
  labelsFromFolders: boolean;
  reportNonImages: boolean;
  shard: string | null;
  expect: string[];
}

const DEFAULTS: ClassifyConfig = {
  model: "",
  providers: SESSION_DEFAULTS.providers,
  threads: CLASSIFY_MODEL_DEFAULTS.threads,
  workers: CLASSIFY_MODEL_DEFAULTS.workers,
  format: CLASSIFY_DEFAULTS.format,
  out: null,
  topK: PIPELINE_DEFAULTS.topK,
  batchSize: PIPELINE_DEFAULTS.batchSize,
  recursive: WALK_DEFAULTS.recursive,
  include: WALK_DEFAULTS.include,
  exclude: WALK_DEFAULTS.exclude,
  resume: CLASSIFY_DEFAULTS.resume,
  sortInto: null,
  link: CLASSIFY_DEFAULTS.link,
  labelsFromFolders: CLASSIFY_DEFAULTS.labelsFromFolders,
  reportNonImages: PIPELINE_DEFAULTS.reportNonImages,
  shard: null,
  expect: [],
};

/** Every option's flag and help line; `--help` and parsing read this table. */
const OPTIONS: OptionTable<ClassifyConfig> = {
  model: MODEL_OPTIONS.model,
  providers: MODEL_OPTIONS.providers,
  threads: {
    ...MODEL_OPTIONS.threads,
    description: "onnxruntime threads of each worker's model copy",
  },
  workers: {
    value: "N",
    description: "Worker threads, each reading, decoding and classifying with its own model copy",
    shown: `${DEFAULTS.workers}, one per core`,
  },
  out: { short: "o", value: "FILE", description: "Write rows here (default: stdout)" },
  format: { value: OUTPUT_FORMATS.join("|"), description: "Row format", choices: OUTPUT_FORMATS },
  topK: { value: "K", description: "Classes listed per image" },
  batchSize: {
    value: "N",
    description: "Files per batch (a worker reads, decodes and runs a batch at once)",
  },
  recursive: { description: "Walk subfolders (--no-recursive to stop)" },
  include: { value: "GLOB", description: "Only files matching (repeatable)" },
  exclude: { value: "GLOB", description: "Leave out files or folders matching (repeatable)" },
  resume: { description: "Append to --out, skipping images it already has a row for" },
  sortInto: { value: "DIR", description: "Copy each image into DIR/<label>/" },
  link: { description: "With --sort-into: symbolic links instead of copies" },
  labelsFromFolders: {
    description: "Folders are <class>/<image>: also print the evaluation report",
  },
  reportNonImages: {
    description: "Write an error row for files that are not images instead of skipping them",
  },
  shard: {
    value: "I/N",
    description: "Classify only shard I of N (from 0), split by a hash of each file's path",
  },
  expect: {
    value: "DIR",
    description: "With merge: every file under DIR must have exactly one row",
  },
};

export const command: Command = {
  name: "classify",
  summary: "Label images in folders with a model",
  usage: "[options] <folder or file…>   |   merge [--out FILE] [--expect DIR] <shard output…>",
  flags: { ...optionFlags(OPTIONS, DEFAULTS), ...OVERRIDE_FLAGS, config: CONFIG_FLAG },
  examples: [
    "ferry classify photos/ --out labels.csv",
    "ferry classify /data/images --shard 3/8 --report-non-images --out shard-3.csv",
    "ferry classify merge shard-*.csv --expect /data/images --out labels.csv",
    "ferry classify photos/ --format jsonl --include '*.jpg' --exclude 'thumbs/**' > labels.jsonl",
    "ferry classify big/ --out labels.csv --resume",
    "ferry classify photos/ --sort-into sorted/ --link",
    "ferry classify --model resnet.onnx --labels @classes.txt --input-size 224 --layout nchw \\",
    "    --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --model-output logits photos/",
  ],
  run,
};

async function run(parsed: ParsedFlags): Promise<number> {
  const { values, positionals } = parsed;
  const reporter = terminalReporter();
  const flags = optionValues(OPTIONS, DEFAULTS, values);
  const config = await resolveCommandConfig("classify", DEFAULTS, values, flags);
  if (positionals[0] === "merge") return await mergeShards(positionals.slice(1), config);
  const shard = config.shard ? parseShard(config.shard) : undefined;
  if (!config.model) config.model = await defaultModelPath();
  reporter.info(`config: ${formatConfig(config)}`);

  const files = await countFiles(positionals, config, config.batchSize * config.workers);
  const session = await openClassifyModel(config.model, {
    providers: config.providers,
    threads: config.threads,
    workers: files === undefined
      ? config.workers
      : workersFor(files, config.batchSize, config.workers),
    overrides: await modelOverridesFlags(values),
    reporter,
  });
  reporter.info(
    `model: ${session.info.name} (${session.info.classNames.length} classes, ` +
      `${session.info.inputSpec.width}×${session.info.inputSpec.height}, ` +
      `provider ${session.info.provider})`,
  );
  // Ctrl-C stops reading new files; what was read is classified and written, so --resume
  // continues exactly where this run stopped.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  let summary: ClassifySummary;
  try {
    if (config.out) {
      await Deno.writeTextFile(`${config.out}.config.json`, formatConfig(config) + "\n");
    }
    const options: ClassifyOptions = {
      format: config.format,
      sink: Deno.stdout,
      topK: config.topK,
      batchSize: config.batchSize,
      recursive: config.recursive,
      include: config.include,
      exclude: config.exclude,
      resume: config.resume,
      link: config.link,
      labelsFromFolders: config.labelsFromFolders,
      reportNonImages: config.reportNonImages,
      signal: stop.signal,
      reporter,
      ...(config.out ? { out: config.out } : {}),
      ...(config.sortInto ? { sortInto: config.sortInto } : {}),
      ...(shard ? { shard } : {}),
    };
    summary = await classifyPaths(session, positionals, options);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    await session.release();
  }
  if (summary.folderLabels) {
    const text = await folderReport(summary, session.info, positionals);
    // Rows own stdout unless they went to a file.
    if (config.out) console.log(text);
    else reporter.info(text);
  }
  if (summary.aborted) return 130;
  return summary.failed > 0 && summary.succeeded === 0 ? 4 : 0;
}

/**
 * The files under `inputs`, counted up to `limit` (the walk stops there), to size the workers;
 * undefined when the walk fails, which `classifyPaths` then reports.
 */
async function countFiles(
  inputs: string[],
  options: WalkOptions,
  limit: number,
): Promise<number | undefined> {
  let count = 0;
  try {
    for await (const batch of walkBatches(inputs, options)) {
      count += batch.length;
      if (count > limit) break;
    }
  } catch {
    return undefined;
  }
  return count;
}

async function folderReport(
  summary: ClassifySummary,
  info: ModelInfo,
  inputs: string[],
): Promise<string> {
  const labels = summary.folderLabels!;
  const skipped = labels.unlabelled
    ? `\n(${labels.unlabelled} images in folders that name no class were left out)`
    : "";
  if (labels.yTrue.length === 0) return `No image is in a folder named after a class.${skipped}`;
  // Loaded only here: evaluate/ brings plot/ and data/ (sharp among them), which cost a run
  // without --labels-from-folders about 0.3 s of CPU at start-up.
  const { evaluatePredictions, formatEvaluation } = await import("../evaluate/mod.ts");
  const evaluation = evaluatePredictions(labels.probabilities, labels.yTrue, info.classNames);
  return formatEvaluation(evaluation, {
    model: { name: info.name, path: info.path, format: "onnx", provider: info.provider },
    data: { name: inputs.join(" ") },
  }) + skipped;
}
