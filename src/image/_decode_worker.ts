/**
 * A decode pool's worker: runs {@linkcode decodeImage} on the jobs its pool posts (in batches,
 * to spread the cost of a message over many images) and answers each batch with one message.
 * Given a path, it reads the file itself, so that the bytes never cross threads.
 *
 * @module
 */
import { FerryError } from "../errors.ts";
import { type DecodedImage, decodeImage } from "./decode.ts";
import type { WorkerReply, WorkerRequest } from "./_pool_protocol.ts";

declare const self: {
  onmessage: ((event: MessageEvent<WorkerRequest[]>) => void) | null;
  postMessage(message: WorkerReply[], transfer?: Transferable[]): void;
};

function bytesOf(request: WorkerRequest): Uint8Array {
  if (request.bytes) return request.bytes;
  try {
    // Synchronous: this thread has nothing else to do meanwhile, and it costs less than async.
    return Deno.readFileSync(request.path!);
  } catch (error) {
    const kind = error instanceof Deno.errors.NotFound ? "not_found" : "undecodable";
    throw new FerryError(kind, `Cannot read ${request.path}: ${(error as Error).message}`);
  }
}

async function run(request: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerReply> {
  try {
    const image: DecodedImage = await decodeImage(bytesOf(request), request.options);
    // Transfer the pixels when they own their buffer; sharp's output may share one, so copy it.
    const { data } = image;
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const pixels = owned ? data : data.slice();
    transfer.push(pixels.buffer as ArrayBuffer);
    return { id: request.id, image: { ...image, data: pixels } };
  } catch (error) {
    const failure = error instanceof FerryError
      ? { kind: error.kind, message: error.message }
      : { message: (error as Error)?.message ?? String(error) };
    return { id: request.id, error: failure };
  }
}

self.onmessage = async ({ data: requests }) => {
  const transfer: ArrayBuffer[] = [];
  // Concurrently, so that sharp jobs overlap on libvips' threads; WebAssembly jobs run in turn.
  const replies = await Promise.all(requests.map((request) => run(request, transfer)));
  self.postMessage(replies, transfer);
};
