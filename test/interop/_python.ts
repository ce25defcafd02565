/** Python helpers for the interop checks: find python3 and install missing pip packages. */

/**
 * The Python to run: `$PYTHON`, else `python3` on the PATH. Launchers such as `npx deno` put
 * Node's folder (often /usr/bin, with the system's externally managed Python) first on the PATH,
 * so .ci/run names the Python it installed the peers into.
 */
export const PYTHON = Deno.env.get("PYTHON") ?? "python3";

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(PYTHON, {
    args,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

/**
 * Installs those of `packages` (import names = pip names) that python3 cannot import, with
 * `pip install --retries 0` (the machine's pip store). Throws when python3 is missing or the
 * install fails.
 */
export async function ensurePythonPackages(packages: string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of packages) {
    if ((await run(["-c", `import ${name}`])).code !== 0) missing.push(name);
  }
  if (missing.length === 0) return;
  console.log(`Installing ${missing.join(", ")} with pip`);
  const { code, stderr } = await run(["-m", "pip", "install", "-q", "--retries", "0", ...missing]);
  if (code !== 0) throw new Error(`pip install ${missing.join(" ")} failed:\n${stderr}`);
}

/**
 * Runs `script` with `input` as JSON on its standard input; resolves to its exit code and its
 * standard output (the script's answer, JSON when it succeeded). Its stderr passes through.
 */
export async function runPythonJson(
  script: string,
  input: unknown,
): Promise<{ code: number; stdout: string }> {
  const child = new Deno.Command(PYTHON, {
    args: [script],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const { code, stdout } = await child.output();
  return { code, stdout: new TextDecoder().decode(stdout) };
}
