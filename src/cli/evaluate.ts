/**
 * `ferry evaluate`: a model (ONNX, or a tfjs model.json) on a labelled dataset (an image folder
 * with a subfolder per class, or CIFAR-10's test split): loss, accuracy, scikit-learn's
 * classification report, the confusion matrix and the most confused pairs, printed and written.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { formatConfig } from "../config/mod.ts";
import { FerryError } from "../errors.ts";
import {
  CIFAR10_TEST,
  EVALUATION_DEFAULTS,
  formatEvaluation,
  runEvaluation,
} from "../evaluate/mod.ts";
import { terminalReporter } from "../progress/mod.ts";
import { type Provider, SESSION_DEFAULTS } from "../runtime/mod.ts";
import { type Command, CONFIG_FLAG, type ParsedFlags, resolveCommandConfig } from "./_command.ts";
import {
  defaultModelPath,
  MODEL_OPTIONS,
  modelOverridesFlags,
  OVERRIDE_FLAGS,
} from "./_model_flags.ts";
import { optionFlags, type OptionTable, optionValues } from "./_options.ts";

/** The resolved configuration of one evaluation, as printed and saved. */
interface EvaluateConfig {
  model: string;
  data: string;
  providers: Provider[];
  threads: number;
  digits: number;
  batchSize: number;
  mostConfused: number;
  out: string | null;
  /** Folder for the model card (card.html, card.md); --out when not given. */
  card: string | null;
  recorded: string | null;
  cache: boolean;
  /** "validation": only the part of the folder that `ferry train` held out for validation. */
  split: "all" | "validation";
  /** Fraction and seed of that split; by default read from the run's config.json beside the model. */
  valSplit: number | null;
  seed: number | null;
}

const DEFAULTS: EvaluateConfig = {
  model: "",
  data: "",
  providers: SESSION_DEFAULTS.providers,
  threads: SESSION_DEFAULTS.threads,
  digits: EVALUATION_DEFAULTS.digits,
  batchSize: EVALUATION_DEFAULTS.batchSize,
  mostConfused: EVALUATION_DEFAULTS.mostConfused,
  out: null,
  card: null,
  recorded: null,
  cache: true,
  split: "all",
  valSplit: null,
  seed: null,
};

/** Every option's flag and help line; `--help` and parsing read this table. */
const OPTIONS: OptionTable<EvaluateConfig> = {
  model: {
    ...MODEL_OPTIONS.model,
    description: "ONNX model, or a tfjs model.json (default: the first .onnx under models/)",
  },
  providers: MODEL_OPTIONS.providers,
  threads: MODEL_OPTIONS.threads,
  data: {
    value: "DIR|cifar10",
    description:
      `Folder with a subfolder of images per class, or '${CIFAR10_TEST}' (its test split)`,
  },
  digits: { value: "N", description: "Digits in the classification report" },
  batchSize: { value: "N", description: "Images per inference run" },
  mostConfused: { value: "N", description: "Most confused pairs listed" },
  out: {
    short: "o",
    value: "DIR",
    description:
      "Write report.json, report.md, the confusion and reliability plots and the model card here",
  },
  card: {
    value: "DIR",
    description: "Write the model card (card.html, card.md) here (default: --out)",
  },
  recorded: {
    value: "FILE",
    description:
      "metrics.json of the training run to compare with (default: found beside the model)",
  },
  cache: {
    description: "Reuse decoded image folders from ferry's cache (--no-cache to decode afresh)",
  },
  split: {
    value: "all|validation",
    description: "validation: only the images the model's training run held out for validation",
    choices: ["all", "validation"],
  },
  valSplit: {
    kind: "number",
    value: "F",
    description: "With --split validation: the run's --val-split (default: from its config.json)",
  },
  seed: {
    kind: "number",
    value: "N",
    description: "With --split validation: the run's --seed (default: from its config.json)",
  },
};

export const command: Command = {
  name: "evaluate",
  summary: "Measure a model on labelled images",
  usage: "--data <folder|cifar10> [options]",
  flags: { ...optionFlags(OPTIONS, DEFAULTS), ...OVERRIDE_FLAGS, config: CONFIG_FLAG },
  examples: [
    "ferry evaluate --data ../shared/datasets/cifar10/train --split validation --digits 4",
    "ferry evaluate --model models/cifar10/model.onnx --data cifar10 --digits 4 --out eval/",
    "ferry evaluate --model models/run1/model.json --data photos/",
    "ferry evaluate --model models/cifar10-notebook/model.onnx --data ../shared/datasets/cifar10/train \\",
    "    --split validation --card models/cifar10-notebook",
    "ferry evaluate --model resnet.onnx --data photos/ --labels @classes.txt --input-size 224 \\",
    "    --layout nchw --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --model-output logits",
  ],
  run,
};

async function run(parsed: ParsedFlags): Promise<number> {
  const { values } = parsed;
  const reporter = terminalReporter();
  const flags = optionValues(OPTIONS, DEFAULTS, values);
  const config = await resolveCommandConfig("evaluate", DEFAULTS, values, flags);
  if (!config.model) config.model = await defaultModelPath();
  validate(config);
  reporter.info(`config: ${formatConfig(config)}`);
  if (config.out) {
    await Deno.mkdir(config.out, { recursive: true });
    await Deno.writeTextFile(join(config.out, "config.json"), formatConfig(config) + "\n");
  }
  const { evaluation, context, files, card } = await runEvaluation({
    model: config.model,
    data: config.data,
    providers: config.providers,
    threads: config.threads,
    overrides: await modelOverridesFlags(values),
    digits: config.digits,
    batchSize: config.batchSize,
    mostConfused: config.mostConfused,
    cache: config.cache,
    reporter,
    ...(config.out ? { out: config.out } : {}),
    ...(config.card ? { card: config.card } : {}),
    ...(config.recorded ? { recorded: config.recorded } : {}),
    ...(config.split === "validation" ? { validationSplit: await validationSplitOf(config) } : {}),
  });
  console.log(formatEvaluation(evaluation, context));
  const written = [
    ...(files
      ? Object.values(files).flatMap((f) => typeof f === "string" ? [f] : Object.values(f))
      : []),
    ...(card ? [card.html, card.markdown] : []),
  ];
  if (written.length > 0) reporter.info(`wrote ${written.join(", ")}`);
  return 0;
}

/** The validation split's fraction and seed: flags first, then the training run's config.json. */
async function validationSplitOf(
  config: EvaluateConfig,
): Promise<{ fraction: number; seed: number }> {
  // train/ loads TensorFlow.js, which evaluating an ONNX model must not wait for.
  const { RUN_FILES } = await import("../train/mod.ts");
  const runConfig = join(dirname(config.model), RUN_FILES.config);
  const saved: { valSplit?: number; seed?: number } = await Deno.readTextFile(runConfig).then(
    (text) => JSON.parse(text),
    () => ({}),
  );
  const fraction = config.valSplit ?? saved.valSplit;
  const seed = config.seed ?? saved.seed;
  if (fraction === undefined || seed === undefined) {
    throw new FerryError(
      "usage",
      `Cannot evaluate the validation split: no ${runConfig} to read it from; give --val-split and --seed`,
    );
  }
  return { fraction, seed };
}

/** What the library functions do not check themselves (they check digits and threads). */
function validate(config: EvaluateConfig): void {
  if (!config.data) {
    throw new FerryError(
      "usage",
      `Cannot evaluate: give --data (an image folder or '${CIFAR10_TEST}')`,
    );
  }
  const counts = [["batch-size", config.batchSize, 1], ["most-confused", config.mostConfused, 0]];
  for (const [flag, value, min] of counts as [string, number, number][]) {
    if (!Number.isInteger(value) || value < min) {
      throw new FerryError(
        "usage",
        `Cannot use --${flag}: must be an integer of at least ${min}, got ${value}`,
      );
    }
  }
}
