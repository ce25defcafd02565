/**
 * The Python that runs the peers: `$PYTHON`, else `python3` on the PATH (launchers such as
 * `npx deno` may put the system's Python first; see test/interop/_python.ts).
 */
export const PYTHON = Deno.env.get("PYTHON") ?? "python3";
