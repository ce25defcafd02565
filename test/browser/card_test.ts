import { dirname, join } from "node:path";
import sharp from "sharp";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CARD_SECTIONS } from "../../src/card/mod.ts";
import { runEvaluation } from "../../src/evaluate/mod.ts";
import { openClassifier } from "../../src/runtime/mod.ts";
import { writeTinyModel } from "../_fixtures/tiny_model.ts";
import { writeColorFolder } from "../evaluate/_folder.ts";
import { type BrowserRig, serveToChromium } from "./_chromium.ts";

let dir: string;
let rig: BrowserRig;
let browser: Browser;
let base: string;

beforeAll(async () => {
  dir = await Deno.makeTempDir({ prefix: "ferry_card_browser_" });
  const model = await writeTinyModel(dir);
  // A real evaluation writes the card beside the model, as `ferry evaluate --card` does.
  await runEvaluation({
    model,
    data: await writeColorFolder(join(dir, "data")),
    card: dirname(model),
    cache: false,
  });
  rig = await serveToChromium(await openClassifier(model, { threads: 1 }));
  ({ browser, base } = rig);
});
afterAll(async () => {
  await rig?.close();
  await Deno.remove(dir, { recursive: true });
});

describe("the model card in headless Chromium", () => {
  it("opens from the web page's link and shows every section, plots and example images, loading nothing else", async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(base);
    const link = page.locator("#cards a", { hasText: "tiny" });
    await link.waitFor();
    await link.click();
    await page.waitForURL(`${base}models/tiny/card`);
    for (const [id, heading] of CARD_SECTIONS) {
      const section = page.locator(`section#${id}`);
      expect(await section.isVisible(), id).toBe(true);
      expect(await section.locator("h2").textContent()).toBe(heading);
    }
    // Plots are inline SVG with real size; thumbnails are decoded images.
    const plots = await page.$$eval(
      "section svg",
      (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width),
    );
    expect(plots.length).toBeGreaterThanOrEqual(2);
    for (const width of plots) expect(width).toBeGreaterThan(100);
    const thumbs = await page.$$eval(
      "img.thumb",
      (images) => images.map((img) => (img as HTMLImageElement).naturalWidth),
    );
    expect(thumbs).toEqual([32, 32]);
    const shot = await page.screenshot({ fullPage: true });
    const { width, height } = await sharp(shot).metadata();
    expect(width).toBe(1000);
    expect(height).toBeGreaterThan(1500);
    const saveTo = Deno.env.get("FERRY_CARD_SCREENSHOT");
    if (saveTo) await Deno.writeFile(saveTo, shot);
    const foreign = requested.filter((url) => !url.startsWith(base) && !url.startsWith("data:"));
    expect(foreign).toEqual([]);
    await page.close();
  });
});
