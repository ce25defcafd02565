/**
 * Makes `@tensorflow/tfjs-node` load under Deno: builds or fetches its native binding and the
 * TensorFlow C library it links to, using tfjs-node's own install mechanisms. `deno install` does
 * not run the package's install script, so this does, in one of three ways:
 *
 * - `download`: tfjs-node's `scripts/install.js` downloads the official libtensorflow (from
 *   `--mirror URL` through its `TFJS_NODE_BASE_URI`, or from `--archive FILE`, a local
 *   libtensorflow `.tar.gz` served to it over 127.0.0.1 through its `custom-binary.json`).
 * - `wheel` (offline): builds the binding from source with node-pre-gyp against the C API of an
 *   installed TensorFlow Python wheel (`pip install tensorflow-cpu`), whose `libtensorflow_cc.so.2`
 *   and `libtensorflow_framework.so.2` export the TF_/TFE_ functions the binding calls.
 * - `auto` (default): `download` when the download host answers, else `wheel`.
 *
 * Quick and idempotent: when the binding already loads it only says so (unless `--force`).
 *
 *   deno task setup:native [--from auto|download|wheel] [--mirror URL] [--archive FILE] [--force]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startArchiveServer } from "./_archive_server.ts";
import { findWheelTensorflow, stageWheelDeps } from "./_wheel.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
// What tfjs-node 4.22's install script fetches: TFJS_NODE_BASE_URI's default, then the file name.
const DEFAULT_BASE_URI = "https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-";
const LIBTENSORFLOW_FILE = "cpu-linux-x86_64-2.9.1.tar.gz";

interface Options {
  from: "auto" | "download" | "wheel";
  mirror?: string;
  archive?: string;
  force: boolean;
}

function parseOptions(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: "string", default: "auto" },
      mirror: { type: "string" },
      archive: { type: "string" },
      force: { type: "boolean", default: false },
    },
  });
  const from = values.from;
  if (from !== "auto" && from !== "download" && from !== "wheel") {
    throw new Error(`Cannot set up native: --from must be auto, download or wheel, got '${from}'`);
  }
  const options: Options = { from, force: values.force };
  if (values.mirror !== undefined) options.mirror = values.mirror;
  if (values.archive !== undefined) options.archive = resolve(values.archive);
  return options;
}

/** Where Deno's node_modules keeps the tfjs-node version pinned in deno.json. */
function packageDir(): string {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const spec: string = config.imports["@tensorflow/tfjs-node"];
  const version = spec.slice(spec.lastIndexOf("@") + 1);
  return join(
    ROOT,
    `node_modules/.deno/@tensorflow+tfjs-node@${version}/node_modules/@tensorflow/tfjs-node`,
  );
}

async function run(cmd: string, args: string[], opts: Deno.CommandOptions = {}): Promise<boolean> {
  const child = new Deno.Command(cmd, { ...opts, args, stdout: "inherit", stderr: "inherit" });
  return (await child.output()).success;
}

async function checkLoads(): Promise<{ ok: boolean; message: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "scripts/check_native.ts")],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  return { ok: out.success, message: new TextDecoder().decode(out.stdout).trim() };
}

async function reachable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(15_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Environment for tfjs-node's scripts: node-pre-gyp on PATH, as npm would arrange it, and, where
 * the distribution's Node ships its headers in /usr/include/node, node-gyp pointed at them
 * (it would otherwise download them, which an offline machine cannot).
 */
function buildEnv(pkg: string, extra: Record<string, string> = {}): Record<string, string> {
  const preGypBin = join(pkg, "..", "..", "@mapbox", "node-pre-gyp", "bin");
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    PATH: `${preGypBin}:${Deno.env.get("PATH") ?? ""}`,
  };
  if (isFile("/usr/include/node/node_api.h")) env.npm_config_nodedir ??= "/usr";
  return { ...env, ...extra };
}

/** tfjs-node's install script: downloads libtensorflow, then fetches or builds the binding. */
async function setupByDownload(pkg: string, options: Options): Promise<boolean> {
  const extra: Record<string, string> = {};
  if (options.mirror !== undefined) extra.TFJS_NODE_BASE_URI = options.mirror;
  const customBinary = join(pkg, "scripts", "custom-binary.json");
  const server = options.archive === undefined ? undefined : startArchiveServer(options.archive);
  try {
    if (server !== undefined) {
      Deno.writeTextFileSync(customBinary, JSON.stringify({ "tf-lib": server.url }));
    }
    // A libtensorflow already in deps/ would be reused as is; start from a clean download.
    await Deno.remove(join(pkg, "deps"), { recursive: true }).catch(() => {});
    return await run("node", ["scripts/install.js"], { cwd: pkg, env: buildEnv(pkg, extra) });
  } finally {
    if (server !== undefined) {
      await Deno.remove(customBinary).catch(() => {});
      await server.close();
    }
  }
}

/** Builds the binding with node-pre-gyp against an installed TensorFlow wheel's C API. */
async function setupFromWheel(pkg: string): Promise<boolean> {
  const tfDir = await findWheelTensorflow();
  console.log(`* Building tfjs-node's binding against ${tfDir}`);
  stageWheelDeps(pkg, tfDir);
  const args = [
    join(pkg, "..", "..", "@mapbox", "node-pre-gyp", "bin", "node-pre-gyp"),
    "rebuild",
    "--build-from-source",
    "--build-latest-napi-version-only",
  ];
  return await run("node", args, { cwd: pkg, env: buildEnv(pkg) });
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

async function main(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const pkg = packageDir();
  if (!isFile(join(pkg, "package.json"))) {
    console.error(`Cannot set up native: ${pkg} is missing; run \`deno task setup\` first`);
    return 1;
  }
  const before = await checkLoads();
  if (before.ok && !options.force) {
    console.log(`Already set up: ${before.message}`);
    return 0;
  }
  console.log(
    before.ok ? "* Rebuilding (--force)" : `* Native backend not loading yet: ${before.message}`,
  );
  let mode = options.from;
  if (mode === "auto") {
    const offline = options.archive === undefined &&
      !(await reachable((options.mirror ?? DEFAULT_BASE_URI) + LIBTENSORFLOW_FILE));
    mode = offline ? "wheel" : "download";
    console.log(
      `* ${offline ? "Download host unreachable: building from the wheel" : "Downloading"}`,
    );
  }
  let built = mode === "download" ? await setupByDownload(pkg, options) : await setupFromWheel(pkg);
  if (!built && mode === "download" && options.from === "auto") {
    console.log("* Download failed: building from the TensorFlow wheel instead");
    built = await setupFromWheel(pkg);
  }
  const after = await checkLoads();
  if (!built || !after.ok) {
    console.error(`Cannot set up native: ${after.message}`);
    return 1;
  }
  console.log(`Set up: ${after.message}`);
  return 0;
}

Deno.exit(await main(Deno.args));
