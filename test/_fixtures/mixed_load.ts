/**
 * The mixed load of the memory checks (the chaos case in test/chaos/bodies_test.ts and
 * `deno task bench memory`): good and bad requests and bombs, in turn, from concurrent loops
 * against a running `ferry serve`.
 *
 * @module
 */
import { imageForm, pngDeclaring, RED, solidImage } from "./images.ts";

/** Options of {@linkcode mixedLoad}. */
export interface MixedLoadOptions {
  /** The served model that the v2 bodies name. */
  model: string;
  /** Loops sending one request at a time. @default 8 */
  concurrency?: number;
  /** Most requests in one run (a bound on top of its time). @default 20_000 */
  maxRequests?: number;
}

/** Requests per status code of one run; `0` counts transport errors (refused, reset). */
export type Statuses = Map<number, number>;

/**
 * Prepares the bodies once and returns a runner that sends them for `ms` milliseconds: a 32×32
 * JPEG, the same cut to 100 bytes, a form of 64 such JPEGs, a form of 8 PNG bombs declaring
 * 6000×6000 pixels, and a v2 body nested 50,000 deep.
 */
export async function mixedLoad(
  base: string,
  options: MixedLoadOptions,
): Promise<(ms: number) => Promise<Statuses>> {
  const good = await solidImage(RED);
  const many = imageForm(Array.from({ length: 64 }, () => good));
  const bombs = imageForm(Array.from({ length: 8 }, () => pngDeclaring(6000)));
  const deep = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,32,32,3],"data":` +
    "[".repeat(50_000) + "]".repeat(50_000) + "}]}";
  const post = async (path: string, body: BodyInit, type?: string) => {
    try {
      const res = await fetch(`${base}${path}`, {
        method: "POST",
        body,
        headers: type ? { "content-type": type } : {},
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };
  const kinds = [
    () => post("/v1/classify", good, "image/jpeg"),
    () => post("/v1/classify", good.subarray(0, 100), "image/jpeg"),
    () => post("/v1/classify", many),
    () => post("/v1/classify", bombs),
    () => post(`/v2/models/${options.model}/infer`, deep, "application/json"),
  ];
  const concurrency = options.concurrency ?? 8;
  const maxRequests = options.maxRequests ?? 20_000;
  return async (ms) => {
    const end = performance.now() + ms;
    const statuses: Statuses = new Map();
    let n = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end && n < maxRequests) {
        const status = await kinds[n++ % kinds.length]!();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }));
    return statuses;
  };
}
