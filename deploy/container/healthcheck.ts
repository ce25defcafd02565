/**
 * The image's HEALTHCHECK: exits 0 when `ferry serve` in this container answers
 * `/v2/health/ready` with 200, 1 otherwise (not started, loading models, draining).
 *
 * @module
 */
// The port as the entry point picks it: FERRY_PORT, else PORT, else 8080.
const port = Deno.env.get("FERRY_PORT") ?? Deno.env.get("PORT") ?? "8080";
try {
  const res = await fetch(`http://127.0.0.1:${port}/v2/health/ready`, {
    signal: AbortSignal.timeout(2_000),
  });
  await res.body?.cancel();
  Deno.exit(res.status === 200 ? 0 : 1);
} catch {
  Deno.exit(1);
}
