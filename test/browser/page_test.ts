import { Buffer } from "node:buffer";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLUE, openTinyModel, RED, solidImage } from "../serve/_helpers.ts";
import { type BrowserRig, serveToChromium } from "./_chromium.ts";

let rig: BrowserRig;
let browser: Browser;
let base: string;

beforeAll(async () => {
  rig = await serveToChromium(await openTinyModel());
  ({ browser, base } = rig);
});
afterAll(() => rig?.close());

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
