/**
 * `deno task bench <name> [options]` runs bench/<name>.ts; with no name it lists them, with
 * `--help` it prints the benchmark's usage (its module comment). Each
 * benchmark prints a table; docs/benchmarks.md holds the numbers measured on the reference machine.
 *
 * @module
 */
const BENCHMARKS: Record<string, string> = {
  image: "decoders on the CIFAR-10 JPEGs and on photos (images/s)",
  data: "cold and cached image-folder loads, augmentation throughput",
  train: "training speed per backend beside Keras",
  classify: "folder classification beside the Python peer, peak memory",
  serve: "HTTP serving beside the FastAPI peer, model-only throughput",
  memory: "serve's memory after a mixed load of good, bad and bomb requests (issue #16)",
  workers: "serve --workers 2 under hey while one worker is killed (issue #16)",
};

const [name, ...rest] = Deno.args;
if (name === undefined || !(name in BENCHMARKS)) {
  console.log("Usage: deno task bench <name> [options]\n");
  for (const [key, text] of Object.entries(BENCHMARKS)) console.log(`  ${key.padEnd(10)}${text}`);
  Deno.exit(name === undefined ? 0 : 2);
}
const script = new URL(`./${name}.ts`, import.meta.url).pathname;
if (rest.includes("--help") || rest.includes("-h")) {
  // A benchmark's usage and options are its module comment: print that, run nothing.
  const source = await Deno.readTextFile(script);
  const comment = /\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? "";
  console.log(comment.split("\n").map((line) => line.replace(/^\s*\* ?/, "")).join("\n").trim());
  Deno.exit(0);
}
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", script, ...rest],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
Deno.exit((await child.status).code);
