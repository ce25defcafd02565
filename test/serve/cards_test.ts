/** `/models/:name/card`: each served model's card, from beside its file. */
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { modelCardHtml } from "../../src/card/mod.ts";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { createApp, type ServeApp } from "../../src/serve/mod.ts";
import { openTinyModel } from "./_helpers.ts";

let withCard: ClassifierSession, without: ClassifierSession, service: ServeApp;

beforeAll(async () => {
  withCard = await openTinyModel();
  without = await openTinyModel({ fileName: "bare.onnx" });
  await Deno.writeTextFile(
    join(dirname(withCard.info.path), "card.html"),
    modelCardHtml({ title: "tiny", recipe: { epochs: 3 } }),
  );
  service = createApp({ models: [withCard, without] });
});
afterAll(async () => {
  for (const session of [withCard, without]) {
    await session.release();
    await Deno.remove(dirname(session.info.path), { recursive: true });
  }
});

describe("GET /models/:name/card", () => {
  test("serves the card beside the model's file, allowed to load nothing from anywhere", async () => {
    const response = await service.app.request("/models/tiny/card");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
    );
    expect(await response.text()).toContain("<h1>Model card: tiny</h1>");
  });

  test("answers 404 naming the model when no card lies beside its file", async () => {
    const response = await service.app.request("/models/bare/card");
    expect(response.status).toBe(404);
    expect((await response.json()).error).toMatch(/Cannot find the card of model 'bare'/);
  });

  test("answers 404 for a model that is not served", async () => {
    expect((await service.app.request("/models/nope/card")).status).toBe(404);
  });

  test("the web page has a place for the card links", async () => {
    const page = await (await service.app.request("/")).text();
    expect(page).toContain('<nav id="cards"></nav>');
    expect(page).toContain('"models/" + encodeURIComponent(model.name) + "/card"');
  });
});
