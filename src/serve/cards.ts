/**
 * `/models/:name/card`: the served model's card (`card.html`, written by `ferry evaluate` or
 * `ferry train` beside the model file), read on each request so a new evaluation shows at once.
 *
 * @module
 */
import { Hono } from "hono";
import { dirname, join } from "node:path";
import { FerryError } from "../errors.ts";
import type { ServeEnv, ServeState } from "./_state.ts";

/** The card's policy: it is self-contained, so it may load nothing but its inline parts. */
const CARD_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** The routes under `/models`: each served model's card. */
export function cardRoutes(state: ServeState): Hono<ServeEnv> {
  const routes = new Hono<ServeEnv>();
  routes.get("/:name/card", async (c) => {
    const model = state.models.get(c.req.param("name"));
    const file = join(dirname(model.session.info.path), "card.html");
    let html: string;
    try {
      html = await Deno.readTextFile(file);
    } catch {
      throw new FerryError(
        "not_found",
        `Cannot find the card of model '${model.name}': no card.html beside its file ` +
          "(`ferry evaluate --card` writes one)",
      );
    }
    return c.html(html, 200, { "content-security-policy": CARD_POLICY });
  });
  return routes;
}
