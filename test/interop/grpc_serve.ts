/**
 * Interop check: a Python gRPC client, with stubs that `grpcio-tools` generates at test time,
 * calls every RPC of the Open Inference Protocol's `inference.GRPCInferenceService` on a real
 * `ferry serve --grpc-port` (two worker processes, the shipped model) and compares ModelInfer's
 * probabilities with the HTTP v2 JSON infer answer (1e-6). The stubs come from the proto file in
 * `$FERRY_OIP_PROTO` (KServe's `grpc_predict_v2.proto`) when set, else from ferry's own schema
 * written out as `.proto`. Installs `grpcio` and `grpcio-tools` from the pip store when missing;
 * run by `deno task test:interop`.
 *
 * @module
 */
import { join } from "node:path";
import { OIP_GRPC_ROOT } from "../../src/serve/mod.ts";
import { protoText } from "./_oip_proto.ts";
import { PYTHON, runPythonJson } from "./_python.ts";

const TOKEN = "interop-token";
const MODEL = "cifar10";

// grpcio's import names differ from its pip names, so this installs them itself.
async function ensureGrpcio(): Promise<void> {
  const python = (args: string[], stderr: "null" | "inherit" = "inherit") =>
    new Deno.Command(PYTHON, { args, stdout: "null", stderr }).output();
  if ((await python(["-c", "import grpc, grpc_tools"], "null")).code === 0) return;
  console.log("Installing grpcio and grpcio-tools with pip");
  const pip = ["-m", "pip", "install", "-q", "--retries", "0", "grpcio", "grpcio-tools"];
  if ((await python(pip)).code !== 0) throw new Error("pip install grpcio grpcio-tools failed");
}

/** A port free on loopback now (the server binds it a moment later). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function protoFile(): Promise<string> {
  const given = Deno.env.get("FERRY_OIP_PROTO");
  if (given) return given;
  const dir = await Deno.makeTempDir({ prefix: "ferry-oip-proto-" });
  const path = join(dir, "inference.proto");
  await Deno.writeTextFile(path, protoText(OIP_GRPC_ROOT, "inference"));
  return path;
}

await ensureGrpcio();
const proto = await protoFile();
const [httpPort, grpcPort] = [freePort(), freePort()];
const main = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const server = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    main,
    "serve",
    "--port",
    String(httpPort),
    "--grpc-port",
    String(grpcPort),
    "--workers",
    "2",
    "--model-name",
    MODEL,
    "--token",
    TOKEN,
    "--no-access-log",
  ],
  stdin: "null",
  stdout: "null",
  stderr: "inherit",
}).spawn();
let code = 1;
try {
  console.log(`stubs from ${proto}; ferry serve on HTTP ${httpPort}, gRPC ${grpcPort} (2 workers)`);
  const script = new URL("./_grpc_client.py", import.meta.url).pathname;
  ({ code } = await runPythonJson(script, {
    proto,
    grpc: `127.0.0.1:${grpcPort}`,
    http: `http://127.0.0.1:${httpPort}`,
    token: TOKEN,
    model: MODEL,
  }).then((result) => {
    console.log(result.stdout.trimEnd());
    return result;
  }));
} finally {
  server.kill("SIGTERM");
  const status = await server.status;
  if (status.code !== 0) {
    console.log(`ferry serve exited with ${status.code} on SIGTERM`);
    code = 1;
  }
}
Deno.exit(code);
