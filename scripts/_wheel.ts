/**
 * The TensorFlow Python wheel as a libtensorflow: its `tensorflow/` folder holds the C API's
 * shared libraries and, under `include/`, the headers tfjs-node's binding compiles against.
 *
 * @module
 */

import { join } from "node:path";

/** The wheel installed when none is: the TensorFlow whose C API the binding was checked with. */
export const WHEEL_SPEC = "tensorflow-cpu==2.21.0";

const PYTHON = Deno.env.get("PYTHON") ?? "python3";

// find_spec locates the package without importing TensorFlow, which takes seconds.
const FIND_TENSORFLOW = "import importlib.util as u; s = u.find_spec('tensorflow'); " +
  "print(s.submodule_search_locations[0] if s else '')";

async function tensorflowDir(): Promise<string> {
  const out = await new Deno.Command(PYTHON, { args: ["-c", FIND_TENSORFLOW], stderr: "inherit" })
    .output();
  return out.success ? new TextDecoder().decode(out.stdout).trim() : "";
}

/** The installed wheel's `tensorflow/` folder, installing the wheel with pip when it is missing. */
export async function findWheelTensorflow(): Promise<string> {
  let dir = await tensorflowDir();
  if (dir === "") {
    console.log(`* Installing ${WHEEL_SPEC} with pip`);
    const pip = await new Deno.Command(PYTHON, {
      args: ["-m", "pip", "install", "--retries", "0", WHEEL_SPEC],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!pip.success) throw new Error(`Cannot set up native: pip install ${WHEEL_SPEC} failed`);
    dir = await tensorflowDir();
  }
  if (dir === "" || !exists(join(dir, "libtensorflow_cc.so.2"))) {
    throw new Error(`Cannot set up native: no libtensorflow_cc.so.2 in the wheel, got '${dir}'`);
  }
  return dir;
}

/**
 * Lays out tfjs-node's `deps/` as its binding.gyp expects: `deps/include` and `deps/lib`, with
 * `libtensorflow.so` naming the wheel's `libtensorflow_cc.so.2` for the linker. The links point
 * into the wheel (it is 850 MB); the built binding finds the libraries through its
 * `$ORIGIN/../../deps/lib` rpath.
 */
export function stageWheelDeps(pkg: string, tfDir: string): void {
  const deps = join(pkg, "deps");
  try {
    Deno.removeSync(deps, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  Deno.mkdirSync(join(deps, "lib"), { recursive: true });
  Deno.symlinkSync(join(tfDir, "include"), join(deps, "include"));
  const links: [string, string][] = [
    [join(tfDir, "libtensorflow_cc.so.2"), "libtensorflow_cc.so.2"],
    [join(tfDir, "libtensorflow_framework.so.2"), "libtensorflow_framework.so.2"],
    ["libtensorflow_cc.so.2", "libtensorflow.so"],
    ["libtensorflow_framework.so.2", "libtensorflow_framework.so"],
  ];
  for (const [target, name] of links) Deno.symlinkSync(target, join(deps, "lib", name));
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
