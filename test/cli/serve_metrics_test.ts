/**
 * `ferry serve --workers 2`: /metrics sums both processes, so the request counter a scrape reads
 * never goes down whichever process answers, and equals the requests both served.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { RED, solidImage, valueOf } from "../serve/_helpers.ts";
import { startServe } from "./_serve.ts";

let dir: string;
beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry-cli-metrics-" });
  await writeTinyModel(dir, { fileName: "tiny.onnx" });
});
afterAll(async () => {
  await Deno.remove(dir, { recursive: true });
});

const OK = 'ferry_requests_total{route="/v1/classify",method="POST",status="200"}';

describe("ferry serve --workers 2", () => {
  it("1,000 requests then 20 scrapes: the counter never decreases and ends at exactly 1,000", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const { child, base } = await startServe(
      [`${dir}/tiny.onnx`, "--port", port, "--workers", "2", "--no-access-log"],
      {},
      2,
    );
    try {
      const jpeg = await solidImage(RED);
      // 16 clients, each with its own connection: the kernel spreads connections over both
      // processes (SO_REUSEPORT), so each serves a share of the 1,000.
      const clients = Array.from({ length: 16 }, () => Deno.createHttpClient({}));
      let sent = 0;
      await Promise.all(clients.map(async (client) => {
        while (sent < 1000) {
          sent++;
          const res = await fetch(`${base}/v1/classify`, {
            method: "POST",
            body: jpeg,
            headers: { "content-type": "image/jpeg" },
            client,
          });
          expect(res.status).toBe(200);
          await res.body?.cancel();
        }
      }));
      for (const client of clients) client.close();

      const seen: number[] = [];
      const costs: number[] = [];
      let last = "";
      for (let i = 0; i < 20; i++) {
        // A new connection per scrape, so that scrapes land on either process.
        const client = Deno.createHttpClient({});
        const started = performance.now();
        last = await (await fetch(`${base}/metrics`, { client })).text();
        costs.push(performance.now() - started);
        client.close();
        seen.push(valueOf(last, OK) ?? -1);
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
      expect(seen.at(-1)).toBe(1000);
      expect(valueOf(last, "ferry_processes")).toBe(2);
      expect(valueOf(last, 'ferry_model_ready{model="tiny"}')).toBe(1);
      expect(valueOf(last, 'ferry_inference_duration_seconds_count{model="tiny"}'))
        .toBeGreaterThan(0);
      costs.sort((a, b) => a - b);
      console.info(
        `scrape of 2 workers: median ${costs[10]!.toFixed(2)} ms, max ${costs[19]!.toFixed(2)} ms`,
      );
    } finally {
      child.kill("SIGTERM");
      expect((await child.status).code).toBe(0);
    }
  });

  it("still serves, each process answering for itself, where the hub cannot start", async () => {
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const { child, base } = await startServe(
      [`${dir}/tiny.onnx`, "--port", port, "--workers", "2", "--no-access-log"],
      { TMPDIR: join(dir, "no-such-folder") },
      2,
    );
    try {
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(valueOf(text, "ferry_processes")).toBe(1);
    } finally {
      child.kill("SIGTERM");
      expect((await child.status).code).toBe(0);
    }
  });
});
