import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { RED, solidImage } from "../serve/_helpers.ts";
import { startServe } from "./_serve.ts";

let dir: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-cli-serve-" });
  await writeTinyModel(dir, { fileName: "alpha.onnx" });
  // A run folder, as `ferry export` leaves it: served under the folder's name.
  await Deno.mkdir(join(dir, "beta"));
  await writeTinyModel(join(dir, "beta"), { fileName: "model.onnx" });
});
afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

describe("ferry serve", () => {
  it("serves every model of a folder and its run folders, asks for FERRY_TOKEN, logs JSON lines and stops on SIGTERM", async () => {
    const { child, base, stdout, stderr } = await startServe(
      [dir, "--port", "0", "--provider", "cuda,cpu", "--default-model", "beta"],
      { FERRY_TOKEN: "tok" },
    );
    const auth = { authorization: "Bearer tok" };
    expect((await fetch(`${base}/v2/health/ready`).then((r) => r.json())).ready).toBe(true);
    const listing = await fetch(`${base}/v1/models`, { headers: auth }).then((r) => r.json());
    expect(listing.default).toBe("beta");
    expect(listing.models.map((m: { name: string }) => m.name)).toEqual(["alpha", "beta"]);
    expect(listing.models[0].provider).toBe("cpu");
    const denied = await fetch(`${base}/v1/models`);
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
    const res = await fetch(`${base}/v1/classify?model=alpha`, {
      method: "POST",
      body: await solidImage(RED),
      headers: { ...auth, "content-type": "image/jpeg" },
    });
    const answer = await res.json();
    expect(answer.model).toBe("alpha");
    expect(answer.predictions[0].label).toBe("red");

    child.kill("SIGTERM");
    const status = await child.status;
    expect(status.code).toBe(0);
    const err = await stderr;
    expect(err).toMatch(/provider cpu/);
    expect(err).toMatch(/cuda/i);
    expect(err).toMatch(/SIGTERM/);
    const lines = (await stdout).trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.map((l) => l.status)).toEqual([200, 200, 401, 200]);
    expect(lines[3]).toMatchObject({ method: "POST", path: "/v1/classify" });
    expect(lines[3].id).toBe(res.headers.get("x-request-id"));
  });

  it("--workers 2 runs two processes on one port, the first alone on the gRPC port, and stops both on SIGTERM", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const { child, base, stderr } = await startServe(
      [
        `${dir}/alpha.onnx`,
        "--port",
        port,
        "--grpc-port",
        String(Number(port) + 1),
        "--workers",
        "2",
        "--no-access-log",
      ],
      {},
      2,
    );
    const answers = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/v1/classify`, {
        method: "POST",
        body: await solidImage(RED),
        headers: { "content-type": "image/jpeg" },
      });
      answers.push((await res.json()).predictions[0].label);
    }
    expect(new Set(answers)).toEqual(new Set(["red"]));
    child.kill("SIGTERM");
    expect((await child.status).code).toBe(0);
    const said = await stderr;
    expect(said.match(/\bstopped\b/g)?.length).toBe(2);
    expect(said.match(/gRPC on 127\.0\.0\.1:(\d+)/g)).toEqual([
      `gRPC on 127.0.0.1:${Number(port) + 1}`,
    ]);
  });

  it("--health-port (FERRY_HEALTH_PORT) answers health from one process, without a token, and 503 once SIGTERM begins the drain", async () => {
    const healthPort = 20_000 + Math.floor(Math.random() * 20_000);
    const { child, base, stderr } = await startServe([`${dir}/alpha.onnx`, "--port", "0"], {
      FERRY_HEALTH_PORT: String(healthPort),
      FERRY_TOKEN: "tok",
      FERRY_SHUTDOWN_TIMEOUT_MS: "3000",
    });
    const health = `http://127.0.0.1:${healthPort}/v2/health`;
    const ready = await fetch(`${health}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    const live = await fetch(`${health}/live`);
    expect(live.status).toBe(200);
    await live.body?.cancel();
    const elsewhere = await fetch(`http://127.0.0.1:${healthPort}/v1/models`);
    expect(elsewhere.status).toBe(404);
    await elsewhere.body?.cancel();
    // A request in flight (its body half sent) holds the drain open, up to the 3 s limit, while
    // the health port says not ready.
    const held = await Deno.connect({ port: Number(new URL(base).port) });
    await held.write(
      new TextEncoder().encode(
        "POST /v1/classify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n" +
          "Content-Type: image/jpeg\r\nContent-Length: 100\r\n\r\nhalf",
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    child.kill("SIGTERM");
    let exited = false;
    child.status.then(() => exited = true);
    const seen: number[] = [];
    const until = performance.now() + 5_000;
    while (!exited && performance.now() < until && !seen.includes(503)) {
      seen.push(
        await fetch(`${health}/ready`, { headers: { connection: "close" } })
          .then(async (r) => (await r.body?.cancel(), r.status))
          .catch(() => 0),
      );
      await new Promise((r) => setTimeout(r, 25));
    }
    const draining = seen.at(-1);
    held.close();
    expect(draining).toBe(503);
    expect((await child.status).code).toBe(0);
    expect(await stderr).toMatch(
      new RegExp(`health on http://127\\.0\\.0\\.1:${healthPort}/v2/health/ready`),
    );
  });

  it("--http-server deno runs --workers 2 on Deno.serve, says it has no timeouts, and stops on SIGTERM", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const { child, base, stderr } = await startServe(
      [`${dir}/alpha.onnx`, "--port", port, "--workers", "2", "--http-server", "deno"],
      {},
      2,
    );
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${base}/v1/classify`, {
        method: "POST",
        body: await solidImage(RED),
        headers: { "content-type": "image/jpeg" },
      });
      expect((await res.json()).predictions[0].label).toBe("red");
    }
    child.kill("SIGTERM");
    expect((await child.status).code).toBe(0);
    const said = await stderr;
    expect(said.match(/Deno\.serve, no timeouts or cap/g)?.length).toBe(2);
    expect(said.match(/\bstopped\b/g)?.length).toBe(2);
  });

  it("stops with exit code 8 and the reason when only CUDA is asked for and it cannot load", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "src/cli/main.ts", "serve", dir, "--provider", "cuda", "--port", "0"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const said = new TextDecoder().decode(out.stderr);
    // On a machine with a GPU and onnxruntime's CUDA libraries the server would start instead.
    expect(out.code).toBe(8);
    expect(said).toMatch(/Cannot open model .* cuda/);
  });

  it("serves a model repository: explicit loads on request, and refuses what cannot work", async () => {
    const repo = join(dir, "repo");
    await Deno.mkdir(join(repo, "tiny", "4"), { recursive: true });
    await writeTinyModel(join(repo, "tiny", "4"), { fileName: "model.onnx" });
    const { child, base, stderr } = await startServe([
      "--model-repository",
      repo,
      "--model-control-mode",
      "explicit",
      "--port",
      "0",
      "--no-access-log",
    ]);
    const infer = () =>
      fetch(`${base}/v2/models/tiny/infer`, {
        method: "POST",
        body: JSON.stringify({
          inputs: [{
            name: "x",
            datatype: "UINT8",
            shape: [1, 32, 32, 3],
            data: new Array(3072).fill(9),
          }],
        }),
      });
    const before = await infer();
    expect(before.status).toBe(404);
    await before.body?.cancel();
    const load = await fetch(`${base}/v2/repository/models/tiny/load`, { method: "POST" });
    expect(load.status).toBe(200);
    await load.body?.cancel();
    expect((await (await infer()).json()).model_version).toBe("4");
    child.kill("SIGTERM");
    expect((await child.status).code).toBe(0);
    expect(await stderr).toMatch(/repository .* \(explicit\): no model loaded/);

    const refused = async (args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/cli/main.ts", "serve", ...args],
        stdout: "null",
        stderr: "piped",
      }).output();
      return { code: out.code, said: new TextDecoder().decode(out.stderr) };
    };
    const workers = await refused([
      "--model-repository",
      repo,
      "--model-control-mode",
      "explicit",
      "--workers",
      "2",
    ]);
    expect(workers.code).toBe(2);
    expect(workers.said).toMatch(/a load would reach one worker/);
    const missing = await refused(["--model-repository", join(dir, "nope"), "--port", "0"]);
    expect(missing.code).toBe(3);
    expect(missing.said).toMatch(/--model-repository: '.*nope' is no folder/);
    const mode = await refused(["--model-repository", repo, "--model-control-mode", "auto"]);
    expect(mode.code).toBe(2);
    expect(mode.said).toMatch(/auto/);
  });

  it("refuses a folder without models with a clear message and exit code 3", async () => {
    const empty = await Deno.makeTempDir({ prefix: "ferry-cli-empty-" });
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "src/cli/main.ts", "serve", empty, "--port", "0"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    expect(out.code).toBe(3);
    expect(new TextDecoder().decode(out.stderr)).toMatch(/Cannot find a \.onnx model in folder/);
    await Deno.remove(empty, { recursive: true });
  });

  it("stops --workers 2 with exit code 2 and names the flag when its port or health port is taken", async () => {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = String((taken.addr as Deno.NetAddr).port);
    const free = String(20_000 + Math.floor(Math.random() * 20_000));
    try {
      for (
        const [flags, flag] of [[["--port", port], "--port"], [[
          "--port",
          free,
          "--health-port",
          port,
        ], "--health-port"]] as const
      ) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "src/cli/main.ts",
            "serve",
            `${dir}/alpha.onnx`,
            "--workers",
            "2",
            ...flags,
          ],
          stdout: "null",
          stderr: "piped",
        }).output();
        const said = new TextDecoder().decode(out.stderr);
        expect(out.code).toBe(2);
        expect(said).toContain(
          `Cannot listen on 127.0.0.1:${port} (${flag}): the address is in use`,
        );
        expect(said).not.toMatch(/crash loop/);
      }
    } finally {
      taken.close();
    }
  });

  it("takes every option from its FERRY_ variable, a flag over the variable and the variable over the config file", async () => {
    // KServe's storage initializer mounts the model as /mnt/models/model.onnx.
    const mount = join(dir, "mnt", "models");
    await Deno.mkdir(mount, { recursive: true });
    await writeTinyModel(mount, { fileName: "model.onnx" });
    const configFile = join(dir, "serve-config.json");
    await Deno.writeTextFile(
      configFile,
      JSON.stringify({ serve: { deadlineMs: 4321, maxQueue: 7 } }),
    );
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const env = {
      FERRY_MODEL: mount,
      FERRY_MODEL_NAME: "cifar10",
      FERRY_DEFAULT_MODEL: "cifar10",
      FERRY_HOST: "127.0.0.1",
      FERRY_PORT: String(port),
      FERRY_GRPC_PORT: String(port + 1),
      FERRY_PROVIDER: "cpu",
      FERRY_THREADS: "1",
      FERRY_MAX_BATCH: "8",
      FERRY_MAX_WAIT_MS: "1",
      FERRY_MAX_QUEUE: "100",
      FERRY_MAX_BODY_BYTES: "1000000",
      FERRY_MAX_FILES: "2",
      FERRY_MAX_PIXELS: "1000000",
      FERRY_ALLOW_SVG: "true",
      FERRY_CORS: "https://a.example,https://b.example",
      FERRY_TOP_K: "2",
      FERRY_WORKERS: "1",
      FERRY_DECODE_WORKERS: "1",
      FERRY_REUSE_PORT: "yes",
      FERRY_SHUTDOWN_TIMEOUT_MS: "4000",
      FERRY_ACCESS_LOG: "false",
      FERRY_TOKEN: "tok",
      FERRY_CONFIG: configFile,
    };
    const { child, base, stdout, stderr } = await startServe(["--max-files", "3"], env);
    const auth = { authorization: "Bearer tok" };
    const listing = await fetch(`${base}/v1/models`, { headers: auth }).then((r) => r.json());
    expect(listing.models.map((m: { name: string }) => m.name)).toEqual(["cifar10"]);
    expect(listing.default).toBe("cifar10");
    const denied = await fetch(`${base}/v1/models`);
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
    const res = await fetch(`${base}/v1/classify`, {
      method: "POST",
      body: await solidImage(RED),
      headers: { ...auth, "content-type": "image/jpeg", origin: "https://b.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://b.example");
    const answer = await res.json();
    expect(answer.model).toBe("cifar10");
    expect(answer.predictions[0].top_k).toHaveLength(2);
    child.kill("SIGTERM");
    expect((await child.status).code).toBe(0);
    expect(await stdout).toBe("");
    const said = await stderr;
    const config = JSON.parse(/config: (\{[\s\S]*?\n\})/.exec(said)![1]!);
    expect(config).toMatchObject({
      models: [mount],
      modelName: "cifar10",
      defaultModel: "cifar10",
      host: "127.0.0.1",
      port,
      grpcPort: port + 1,
      providers: ["cpu"],
      threads: 1,
      maxBatch: 8,
      maxWaitMs: 1,
      maxQueue: 100,
      deadlineMs: 4321,
      maxBodyBytes: 1_000_000,
      maxFiles: 3,
      maxPixels: 1_000_000,
      allowSvg: true,
      cors: ["https://a.example", "https://b.example"],
      topK: 2,
      workers: 1,
      decodeWorkers: 1,
      reusePort: true,
      shutdownTimeoutMs: 4000,
      accessLog: false,
    });
    expect(said).not.toContain("tok");
  });

  it("lists every flag's environment variable in --help", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "src/cli/main.ts", "serve", "--help"],
      stdout: "piped",
    }).output();
    const rows = new TextDecoder().decode(out.stdout).split("\n").filter((l) =>
      /^\s+(-\w, )?--/.test(l)
    );
    const flags = rows.map((row) => /--([\w-]+)/.exec(row)![1]!).filter((f) => f !== "help");
    expect(flags).toContain("model-name");
    expect(flags.length).toBeGreaterThan(30);
    for (const flag of flags) {
      const variable = `FERRY_${flag.toUpperCase().replaceAll("-", "_")}`;
      expect(rows.find((row) => row.includes(`--${flag} `) || row.endsWith(`--${flag}`)))
        .toContain(`[env: ${variable}]`);
    }
  });

  it("refuses --model-name for more than one model, a variable that is not a number, and a limit createApp refuses, before loading any model", async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [
        [dir, "--model-name", "x"],
        {},
        /Cannot use --model-name: it names one model, but 2 were found/,
      ],
      [[dir], { FERRY_PORT: "eighty" }, /Cannot use FERRY_PORT: expected a number, got 'eighty'/],
      [[dir], { FERRY_ACCESS_LOG: "maybe" }, /Cannot use FERRY_ACCESS_LOG: expected true or false/],
      [[dir], { FERRY_MAX_FILES: "0" }, /'limits\.maxFiles' must be a positive integer, got 0/],
      [[dir, "--grpc-port", "70000"], {}, /Cannot use --grpc-port: expected 0 to 65535, got 70000/],
      [
        [dir, "--health-port", "99999"],
        {},
        /Cannot use --health-port: expected 0 to 65535, got 99999/,
      ],
      [
        [dir, "--health-port", "9001", "--grpc-port", "9001"],
        {},
        /Cannot use --health-port 9001: it is also the --grpc-port/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "src/cli/main.ts", "serve", ...args, "--port", "0"],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(out.stderr);
      expect(out.code).toBe(2);
      expect(said).toMatch(message);
      expect(said).not.toMatch(/model: /);
    }
  });
});
