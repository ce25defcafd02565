/**
 * Writing a file whole or not at all.
 *
 * @module
 */

/**
 * Writes `data` (text as UTF-8, bytes, or parts one after another) to `path` through a temporary
 * file beside it and a rename: a reader (a running server, a resumed run) sees the old file or
 * the whole new one, never half of it. The temporary file is removed when anything fails.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./mod.ts";
 *
 * declare const bytes: Uint8Array;
 * await writeFileAtomic("models/run/model.onnx", bytes);
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | readonly Uint8Array[],
): Promise<void> {
  // Parts are streamed, not joined: the decode cache's images run to hundreds of megabytes.
  const content = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data instanceof Uint8Array
    ? data
    : ReadableStream.from(data);
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    await Deno.writeFile(temp, content, { createNew: true });
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}
