/**
 * The Containerfile: built from a local Debian base, the image serves the shipped model as a
 * non-root user on $PORT, answers its own HEALTHCHECK, classifies a real JPEG, counts it in
 * /metrics, serves /mnt/models when that is mounted, and drains and exits 0 on SIGTERM.
 * `deno task test:container` runs this where buildah is installed.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { noisyJpeg } from "../serve/_helpers.ts";
import {
  buildImage,
  container,
  imageConfig,
  imageSize,
  localBase,
  processesWith,
} from "./_buildah.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TAG = "localhost/ferry:test";
let ctr: Awaited<ReturnType<typeof container>>;

beforeAll(async () => {
  await buildImage(ROOT, TAG);
  ctr = await container(TAG);
}, 900_000);

afterAll(async () => {
  await ctr?.remove();
});

/** ferry serve's processes in the container on `port` (the entry point sets FERRY_PORT). */
const serveProcesses = (port: number) =>
  processesWith("/app/src/cli/main.ts serve", `FERRY_PORT=${port}`);

const randomPort = () => 20_000 + Math.floor(Math.random() * 30_000);

/** Starts the image's default command on `port`; resolves once /v2/health/ready says 200. */
async function startServer(
  port: number,
  volumes: string[] = [],
  env: Record<string, string> = {},
) {
  const child = ctr.spawn(["/usr/local/bin/ferry"], { PORT: String(port), ...env }, volumes);
  const stderr = new Response(child.stderr).text();
  const stdout = new Response(child.stdout).text();
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (true) {
    const res = await fetch(`${base}/v2/health/ready`).catch(() => undefined);
    await res?.body?.cancel();
    if (res?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`not ready in 60 s:\n${await stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // ferry's own process inside the container: the supervisor, not one of its --reuse-port workers.
  const [main, ...others] = serveProcesses(port).filter((p) => !p.cmdline.includes("--reuse-port"));
  if (!main || others.length) {
    for (const { pid } of serveProcesses(port)) Deno.kill(pid, "SIGTERM");
    throw new Error(`expected one ferry serve on ${port}`);
  }
  return { base, pid: main.pid, status: child.status, stderr, stdout };
}

async function stop(server: Awaited<ReturnType<typeof startServer>>) {
  Deno.kill(server.pid, "SIGTERM");
  return await server.status;
}

describe("the container image", () => {
  test("runs as a non-root user, exposes 8080 and checks /v2/health/ready", async () => {
    const config = await imageConfig(TAG);
    expect(config.User).toBe("10001:10001");
    expect(Object.keys(config.ExposedPorts)).toEqual(["8080/tcp"]);
    expect(config.Healthcheck.Test.join(" ")).toContain("healthcheck.ts");
    expect(config.Env).toContain("PORT=8080");
  });

  test("adds less than 250 MB to its base (Deno, ferry's sources and serving packages, the model)", async () => {
    const [size, base] = [await imageSize(TAG), await imageSize(await localBase())];
    console.info(`image ${TAG}: ${size / 1e6} MB, ${(size - base) / 1e6} MB over its base`);
    expect(size - base).toBeLessThan(250e6);
  });

  test("holds no TensorFlow.js, vitest or browser packages", async () => {
    for (const name of ["@tensorflow+tfjs-core@", "vitest@", "playwright-core@", "sharp@"]) {
      const found = await ctr.exec(["sh", "-c", `ls /app/node_modules/.deno | grep -q '^${name}'`]);
      expect({ name, found: found === 0 }).toEqual({ name, found: name === "sharp@" });
    }
  });

  test("serves the shipped model: ready, healthy, classifies a JPEG, counts it, drains on SIGTERM", async () => {
    const port = randomPort();
    const server = await startServer(port);
    let status: Deno.CommandStatus | undefined;
    try {
      expect(
        await ctr.exec(
          [
            "deno",
            "run",
            "--cached-only",
            "--allow-net",
            "--allow-env=FERRY_PORT,PORT",
            "/app/deploy/container/healthcheck.ts",
          ],
          { PORT: String(port) },
        ),
      ).toBe(0);
      const res = await fetch(`${server.base}/v1/classify`, {
        method: "POST",
        headers: { "content-type": "image/jpeg" },
        body: await noisyJpeg(7),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.model).toBe("cifar10-notebook");
      expect(body.predictions[0].top_k).toHaveLength(3);
      const metrics = await (await fetch(`${server.base}/metrics`)).text();
      expect(metrics).toMatch(
        /ferry_requests_total\{route="\/v1\/classify",method="POST",status="200"\} 1\b/,
      );
    } finally {
      status = await stop(server);
    }
    expect(status.code).toBe(0);
    expect(await server.stderr).toMatch(/SIGTERM: finishing requests in flight[\s\S]*stopped/);
    expect(serveProcesses(port)).toEqual([]);
  });

  test("serves the model mounted at /mnt/models instead of the shipped one, named by FERRY_MODEL_NAME", async () => {
    const dir = await Deno.makeTempDir({ prefix: "ferry-mnt-models-" });
    await Deno.chmod(dir, 0o755);
    await writeTinyModel(dir, { fileName: "model.onnx" });
    const server = await startServer(randomPort(), [`${dir}:/mnt/models:ro`], {
      FERRY_MODEL_NAME: "colours",
    });
    try {
      const listed = await (await fetch(`${server.base}/v1/models`)).json();
      expect(listed.models.map((m: { name: string }) => m.name)).toEqual(["colours"]);
      expect(listed.models[0].classes).toEqual(["red", "green", "blue"]);
    } finally {
      expect((await stop(server)).code).toBe(0);
      await Deno.remove(dir, { recursive: true });
    }
  });
});
