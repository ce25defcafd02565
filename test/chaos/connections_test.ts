import { afterEach, describe, expect, it } from "vitest";
import { RED, solidImage } from "../serve/_helpers.ts";
import { rawStatus, report, type Served, startServe, tinyModel } from "./_ferry.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

/** Opens a connection, writes `head`, then `trickle` one byte per `everyMs`; resolves when closed. */
async function holdOpen(port: number, head: string, untilMs: number, trickle = "", everyMs = 0) {
  const started = performance.now();
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return { closedAfterMs: 0, answer: "" };
  }
  const encoder = new TextEncoder();
  const stop = setTimeout(() => conn.close(), untilMs);
  let dripping = true;
  const drip = (async () => {
    for (let i = 0; dripping && i < trickle.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      await conn.write(encoder.encode(trickle[i]!)).catch(() => (dripping = false));
    }
  })();
  let answer = "";
  let closedAfterMs = untilMs;
  try {
    await conn.write(encoder.encode(head));
    const buffer = new Uint8Array(1024);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      answer += new TextDecoder().decode(buffer.subarray(0, n));
    }
    closedAfterMs = performance.now() - started;
  } catch {
    // Reset by the server, or closed by the timer above.
    closedAfterMs = Math.min(performance.now() - started, untilMs);
  } finally {
    dripping = false;
    clearTimeout(stop);
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
  await drip;
  return { closedAfterMs, answer };
}

/** Sends a keep-alive `GET /v2/health/live` on `conn` and returns the answer's first read. */
async function askOn(conn: Deno.TcpConn, timeoutMs = 3_000): Promise<string> {
  await conn.write(new TextEncoder().encode("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
  const buffer = new Uint8Array(4096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = await Promise.race([
    conn.read(buffer),
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
  ]);
  clearTimeout(timer);
  return read ? new TextDecoder().decode(buffer.subarray(0, read)) : "";
}

describe("ferry serve under connection floods", () => {
  it("survives 600 connections that never finish their headers under a 256-file limit, cuts them off at the header timeout and serves afterwards", async () => {
    served = await startServe(
      [await tinyModel(), "--port", "0", "--headers-timeout-ms", "2000"],
      { openFiles: 256 },
    );
    expect(served.said()).toMatch(/connections: at most 64 \(open-file limit 256 of 256\)/);
    const { port } = served;
    const partial = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n";
    const held = await Promise.all(
      Array.from({ length: 600 }, () => holdOpen(port, partial, 8_000)),
    );
    const cutOff = held.filter((h) => h.closedAfterMs < 4_000).length;
    const live = await rawStatus(port, "/v2/health/live");
    report("connection-flood", {
      connections: 600,
      closedWithin4s: cutOff,
      answered408: held.filter((h) => h.answer.startsWith("HTTP/1.1 408")).length,
      liveAfter: live,
    });
    expect(cutOff).toBe(600);
    expect(live).toBe(200);
    expect(served.said()).not.toMatch(/Too many open files/);
  });

  it("says so when accept runs out of file descriptors, serves the open connections meanwhile and accepts again once they are free", async () => {
    served = await startServe(
      [await tinyModel(), "--port", "0", "--keep-alive-timeout-ms", "30000"],
      { openFiles: 48 },
    );
    expect(served.said()).toMatch(/connections: at most 12 \(open-file limit 48 of 48\)/);
    const { port } = served;
    // The cap (a quarter of the limit) keeps a flood from using up the files unless the process
    // already holds more than three quarters of them, as this one does at rest.
    const atRest = (await Array.fromAsync(Deno.readDir(`/proc/${served.child.pid}/fd`))).length;
    expect(atRest, "files open at rest (the cap alone would never run out)").toBeGreaterThan(36);
    const kept = await Deno.connect({ hostname: "127.0.0.1", port });
    const before = await askOn(kept);
    const flood = await Promise.all(
      Array.from({ length: 48 }, async () => {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port });
        await conn.write(new TextEncoder().encode("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n"));
        return conn;
      }),
    );
    await served.waitFor(
      /accept failed: too many open files \(\d+ open connections, limit 48\); backing off/,
      1,
      10_000,
    );
    const during = await askOn(kept);
    for (const conn of flood) conn.close();
    const freed = performance.now();
    let after = 0;
    let tries = 0;
    while (after !== 200 && performance.now() - freed < 10_000) {
      tries++;
      after = await rawStatus(port, "/v2/health/live", 1_000);
      if (after !== 200) await sleep(250);
    }
    const running = await Promise.race([
      served.child.status.then(() => false),
      sleep(0).then(() => true),
    ]);
    kept.close();
    report("fd-exhaustion", {
      openFileLimit: 48,
      filesAtRest: atRest,
      flood: flood.length,
      keptAliveDuring: during.slice(0, 12),
      newConnectionAfterMs: Math.round(performance.now() - freed),
      tries,
    });
    expect(before).toMatch(/^HTTP\/1\.1 200/);
    expect(during).toMatch(/^HTTP\/1\.1 200/);
    expect(after).toBe(200);
    expect(served.said()).toMatch(
      /accept had stopped \(file descriptors ran out\); listening again/,
    );
    expect(running).toBe(true);
  });

  it("cuts off clients that trickle their headers one byte at a time", async () => {
    served = await startServe([await tinyModel(), "--port", "0", "--headers-timeout-ms", "2000"]);
    const slow = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          holdOpen(
            served!.port,
            "GET /v2/health/live HTTP/1.1\r\n",
            8_000,
            "X-Pad: 1234567890ab",
            250,
          ),
      ),
    );
    report("slowloris", {
      connections: 4,
      closedAfterMs: slow.map((s) => Math.round(s.closedAfterMs)),
    });
    for (const { closedAfterMs, answer } of slow) {
      expect(closedAfterMs).toBeLessThan(4_000);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    }
  });

  it("closes an idle keep-alive connection after the keep-alive timeout", async () => {
    served = await startServe([
      await tinyModel(),
      "--port",
      "0",
      "--keep-alive-timeout-ms",
      "1000",
    ]);
    const idle = await holdOpen(
      served.port,
      "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n",
      8_000,
    );
    expect(idle.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(idle.closedAfterMs).toBeLessThan(3_000);
  });

  it("answers a request in flight at SIGTERM with Connection: close, then exits 0", async () => {
    served = await startServe([await tinyModel(), "--port", "0"]);
    const image = await solidImage(RED);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: served.port });
    const head = "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n" +
      `Content-Length: ${image.length}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head));
    await new Promise((resolve) => setTimeout(resolve, 200));
    served.child.kill("SIGTERM");
    await served.waitFor(/SIGTERM: finishing requests in flight/);
    await conn.write(image);
    let answer = "";
    const buffer = new Uint8Array(4096);
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      answer += new TextDecoder().decode(buffer.subarray(0, n));
    }
    conn.close();
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect((await served.child.status).code).toBe(0);
  });
});
