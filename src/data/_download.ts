// Downloads a file into place only when it is complete and verified: the bytes go to a temporary
// file beside the target, which is renamed over it at the end (a rename is atomic on one file
// system), so an interrupted or corrupt transfer never leaves a file that a later run would trust.
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { FerryError } from "../errors.ts";
import type { Reporter } from "../progress/mod.ts";

export interface DownloadOptions {
  /** Expected MD5 (hex) of the whole file, or undefined to skip the check. */
  md5: string | undefined;
  reporter: Reporter;
  /** What is downloaded, for the progress bar and messages ("CIFAR-10"). */
  label: string;
  /** A sentence appended to network errors, telling the user how to do without the download. */
  offlineHint: string;
}

export async function downloadFile(
  url: string,
  target: string,
  options: DownloadOptions,
): Promise<void> {
  const { label, offlineHint } = options;
  const fail = (why: string, cause?: unknown): never => {
    throw new FerryError("download", `Cannot download ${label} from ${url}: ${why}`, { cause });
  };
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    return fail(
      `the server cannot be reached (${(error as Error).message}). ${offlineHint}`,
      error,
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    return fail(`the server answered HTTP ${response.status}. ${offlineHint}`);
  }
  const header = response.headers.get("content-length");
  const total = header === null ? undefined : Number(header);
  await Deno.mkdir(dirname(target), { recursive: true });
  const temp = `${target}.${crypto.randomUUID().slice(0, 8)}.partial`;
  const task = options.reporter.task(`Downloading ${label}`, total);
  const hash = createHash("md5");
  let received = 0;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true });
    try {
      for await (const chunk of response.body) {
        hash.update(chunk);
        received += chunk.length;
        let written = 0;
        while (written < chunk.length) written += await file.write(chunk.subarray(written));
        task.tick(chunk.length);
      }
    } catch (error) {
      fail(`the transfer broke off after ${received} bytes (${(error as Error).message})`, error);
    } finally {
      file.close();
    }
    if (total !== undefined && received !== total) {
      fail(`the transfer ended after ${received} of ${total} bytes`);
    }
    const md5 = hash.digest("hex");
    if (options.md5 !== undefined && md5 !== options.md5.toLowerCase()) {
      fail(`the file's MD5 is ${md5}, expected ${options.md5}; nothing was kept`);
    }
    await Deno.rename(temp, target);
    task.done(`${label}: ${received} bytes${options.md5 === undefined ? "" : ", MD5 verified"}`);
  } catch (error) {
    task.done(`${label}: failed`);
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
