/**
 * A decode pool's worker: runs {@linkcode decodeImage} on the jobs its pool posts (in batches,
 * to spread the cost of a message over many images, run at once so that sharp jobs overlap on
 * libvips' threads) and answers each batch with one message. Given a path, it reads the file
 * itself, so that the bytes never cross threads.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { answerCalls, withTransfer } from "../workers/mod.ts";
import { type DecodedImage, decodeImage, type DecodeOptions } from "./decode.ts";

function readSync(path: string): Uint8Array {
  try {
    // Synchronous: this thread has nothing else to do meanwhile, and it costs less than async.
    return Deno.readFileSync(path);
  } catch (error) {
    const kind = error instanceof Deno.errors.NotFound ? "not_found" : "undecodable";
    throw new FerryError(kind, `Cannot read ${path}: ${(error as Error).message}`);
  }
}

async function decoded(bytes: Uint8Array, options: DecodeOptions): Promise<unknown> {
  const image: DecodedImage = await decodeImage(bytes, options);
  // Transfer the pixels when they own their buffer; sharp's output may share one, so copy it.
  const { data } = image;
  const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  const pixels = owned ? data : data.slice();
  return withTransfer({ ...image, data: pixels }, [pixels.buffer as ArrayBuffer]);
}

answerCalls({
  decode: ({ bytes, options }: { bytes: Uint8Array; options: DecodeOptions }) =>
    decoded(bytes, options),
  decodeFile: ({ path, options }: { path: string; options: DecodeOptions }) =>
    decoded(readSync(path), options),
});
