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

  it("--workers 2 runs two processes on one port and stops both on SIGTERM", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const { child, base, stderr } = await startServe(
      [
        `${dir}/alpha.onnx`,
        "--port",
        port,
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
});
