/**
 * ferry's command line: `ferry <command> [options]`. The only module that reads flags, draws
 * progress and chooses exit codes; each command lives in its own file and is loaded on demand,
 * so `serve` never loads TensorFlow.js.
 *
 * @module
 */
import { exitCodeOf, FerryError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { type Command, helpText, parseFlags } from "./_command.ts";

/** Commands by name, imported lazily. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {};

/** Registers a command module; called below for each command file. */
function register(name: string, summary: string, load: () => Promise<{ command: Command }>) {
  COMMANDS[name] = { summary, load: async () => (await load()).command };
}

// Commands register here as they are built.
register("train", "Train a model on an image folder", () => import("./train.ts"));
register("export", "Export a model to ONNX (or tfjs), parity-checked", () => import("./export.ts"));
register("evaluate", "Measure a model on labelled images", () => import("./evaluate.ts"));
register("classify", "Label images in folders with a model", () => import("./classify.ts"));
register("serve", "Serve models over HTTP with a web page", () => import("./serve.ts"));
register("experiment", "Run training experiments and report", () => import("./experiment.ts"));

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length)) + 2;
  return [
    "ferry — train an image classifier with TensorFlow.js, ferry it to ONNX, and serve it",
    "",
    "Usage: ferry <command> [options]   (ferry <command> --help for a command's options)",
    "       ferry --version",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
  ].join("\n");
}

/** Runs ferry with `args` and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    console.log(`ferry ${VERSION}`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`ferry: unknown command '${name}'\n\n${mainHelp()}`);
    return 2;
  }
  try {
    const command = await entry.load();
    const parsed = parseFlags(command, rest);
    if (parsed.help) {
      console.log(helpText(command));
      return 0;
    }
    return await command.run(parsed);
  } catch (error) {
    if (error instanceof FerryError) {
      console.error(`ferry ${name}: ${error.message}`);
    } else if (isMissingPackage(error)) {
      console.error(
        `ferry ${name}: ferry's npm packages are not installed: run \`deno task setup\``,
      );
    } else {
      console.error(`ferry ${name}: unexpected error`, error);
    }
    return exitCodeOf(error);
  }
}

/**
 * Deno's error for an npm package absent from `node_modules/`: `nodeModulesDir` is `manual`, so
 * that a start does not re-check every package against the registry (0.2 s on each start,
 * docs/benchmarks.md).
 */
function isMissingPackage(error: unknown): boolean {
  return error instanceof Error &&
    /Could not find a matching package .* node_modules/.test(error.message);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
