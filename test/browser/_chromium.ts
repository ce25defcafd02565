import { type Browser, chromium } from "playwright-core";
import type { ClassifierSession } from "../../src/runtime/mod.ts";
import { createApp, startServer } from "../../src/serve/mod.ts";

/** Debian's chromium, driven through playwright-core. */
export async function launchChromium(): Promise<Browser> {
  const out = await new Deno.Command("sh", { args: ["-c", "command -v chromium"] }).output();
  const path = new TextDecoder().decode(out.stdout).trim();
  if (!out.success || !path) {
    throw new Error("Cannot find Debian's chromium on PATH: apt-get install -y chromium");
  }
  return await chromium.launch({
    executablePath: path,
    // Chromium's sandbox cannot start as root (CI containers).
    args: Deno.uid() === 0 ? ["--no-sandbox"] : [],
  });
}

/** A served model and a browser to look at it with. */
export interface BrowserRig {
  /** The server's root URL, with its trailing slash. */
  base: string;
  browser: Browser;
  /** Closes the browser and the server, and releases the session. */
  close(): Promise<void>;
}

/** Serves `session` on a loopback port and launches Chromium. */
export async function serveToChromium(session: ClassifierSession): Promise<BrowserRig> {
  const service = createApp({ models: [session] });
  await service.warmUp();
  const server = await startServer(service, { port: 0 });
  const browser = await launchChromium();
  return {
    base: `http://127.0.0.1:${server.addr.port}/`,
    browser,
    close: async () => {
      await browser.close();
      await server.shutdown();
      await session.release();
    },
  };
}
