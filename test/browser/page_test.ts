import { Buffer } from "node:buffer";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { createApp, type RunningServer, startServer } from "../../src/serve/mod.ts";
import { BLUE, openTinyModel, RED, solidImage } from "../serve/_helpers.ts";

let session: ClassifierSession;
let server: RunningServer;
let browser: Browser;
let base: string;

async function chromiumPath(): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", "command -v chromium"] }).output();
  const path = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !path) {
    throw new Error("Cannot find Debian's chromium on PATH: apt-get install -y chromium");
  }
  return path;
}

beforeAll(async () => {
  session = await openTinyModel();
  const service = createApp({ models: [session] });
  await service.warmUp();
  server = await startServer(service, { port: 0 });
  base = `http://127.0.0.1:${server.addr.port}/`;
  browser = await chromium.launch({
    executablePath: await chromiumPath(),
    // Chromium's sandbox cannot start as root (CI containers).
    args: Deno.uid() === 0 ? ["--no-sandbox"] : [],
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.shutdown();
  await session?.release();
});

describe("the web page in headless Chromium", () => {
  it("uploads images and shows each predicted label with top-3 bars, loading nothing else", async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(base);
    await page.setInputFiles("#file", [
      { name: "red.jpg", mimeType: "image/jpeg", buffer: Buffer.from(await solidImage(RED)) },
      {
        name: "blue.png",
        mimeType: "image/png",
        buffer: Buffer.from(await solidImage(BLUE, "png")),
      },
    ]);
    await page.waitForFunction(() => document.querySelectorAll(".result[data-label]").length === 2);
    const results = await page.$$eval(".result", (rows) =>
      rows.map((row) => ({
        label: (row as HTMLElement).dataset.label,
        file: row.querySelector(".file")?.textContent,
        bars: row.querySelectorAll(".bar").length,
        first: row.querySelector(".bar .name")?.textContent,
      })));
    // Newest first: the page prepends each result.
    expect(results).toEqual([
      { label: "blue", file: "blue.png", bars: 3, first: "blue" },
      { label: "red", file: "red.jpg", bars: 3, first: "red" },
    ]);
    const foreign = requested.filter((url) => !url.startsWith(base) && !url.startsWith("blob:"));
    expect(foreign).toEqual([]);
    await page.close();
  });
});
