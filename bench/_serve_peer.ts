/**
 * bench/serve's peer: the FastAPI server of bench/peers/serve_peer.py on the same ONNX file, and
 * whether this machine can run it.
 *
 * @module
 */
import { resolve } from "node:path";
import { which } from "./_load.ts";
import { PYTHON } from "./_python.ts";

/** Starts the peer on `port`: `workers` uvicorn processes, onnxruntime on `threads` threads each. */
export function startPeer(model: string, port: number, workers: number, threads: number) {
  return new Deno.Command(PYTHON, {
    args: [
      "-m",
      "uvicorn",
      "serve_peer:app",
      "--port",
      String(port),
      "--workers",
      String(workers),
      "--loop",
      "uvloop",
      "--http",
      "httptools",
      "--no-access-log",
      "--log-level",
      "warning",
    ],
    cwd: new URL("./peers/", import.meta.url).pathname,
    // The peer runs from bench/peers/, so a relative model path must be made absolute.
    env: { PEER_MODEL: resolve(model), PEER_THREADS: String(threads) },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Why the peer cannot run here, or `undefined` when it can. */
export async function peerAvailable(): Promise<string | undefined> {
  if (!(await which(PYTHON))) return `${PYTHON} is missing`;
  const probe = await new Deno.Command(PYTHON, {
    args: ["-c", "import fastapi, uvicorn, uvloop, httptools, PIL, onnxruntime, numpy"],
    stderr: "piped",
  }).output();
  if (!probe.success) {
    return "its Python packages are missing (pip install fastapi uvicorn uvloop httptools " +
      "python-multipart pillow onnxruntime)";
  }
  return undefined;
}
