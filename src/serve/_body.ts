import { FerryError } from "../errors.ts";

/** The images of a classify request and its form fields. */
export interface ImageUpload {
  images: Uint8Array[];
  /** Text fields of a multipart body (e.g. `top_k`). */
  fields: Record<string, string>;
}

/**
 * Reads a request body, refusing it with `too_large` as soon as it passes `maxBytes`: checked
 * against Content-Length first, and while streaming for chunked bodies, which carry none.
 */
export async function readBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return await readLimited(request, maxBytes);
  } catch (error) {
    if (error instanceof FerryError) throw error;
    // A client that hangs up mid-body is the client's error, not the server's.
    throw new FerryError("usage", `Cannot read the request body: ${(error as Error).message}`);
  }
}

/**
 * Bodies declared this large or larger, and chunked ones, are read chunk by chunk into their
 * place: `arrayBuffer()` gathered a 16 MB body in one go that held the event loop 0.1–0.4 s.
 */
const STREAM_FROM = 256 * 1024;

/**
 * Chunks already buffered arrive one microtask after another, and other connections' requests
 * wait until they stop (a 16 MB upload to a server doing nothing else held health probes
 * 75–380 ms): reading gives the event loop a turn after this many milliseconds (probes then
 * waited 14–24 ms, and the upload took no longer).
 */
const TURN_AFTER_MS = 2;

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  // Before `request.body`: under node:http, Hono's adapter builds a whole web Request and stream
  // to answer that getter, where `arrayBuffer()` reads the socket's buffer directly.
  if (declared >= 0 && declared < STREAM_FROM) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.length > maxBytes) throw tooLarge(bytes.length, maxBytes);
    return bytes;
  }
  if (!request.body) return new Uint8Array(0);
  // The declared size up front; a chunked body's room doubles as it comes.
  let bytes = new Uint8Array(declared >= 0 ? declared : STREAM_FROM);
  let total = 0;
  let turn = performance.now();
  for await (const chunk of request.body) {
    if (performance.now() - turn > TURN_AFTER_MS) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      turn = performance.now();
    }
    if (total + chunk.length > maxBytes) throw tooLarge(total + chunk.length, maxBytes);
    if (total + chunk.length > bytes.length) {
      const room = new Uint8Array(Math.min(maxBytes, Math.max(total + chunk.length, total * 2)));
      room.set(bytes.subarray(0, total));
      bytes = room;
    }
    bytes.set(chunk, total);
    total += chunk.length;
  }
  return total === bytes.length ? bytes : bytes.slice(0, total);
}

function tooLarge(size: number, maxBytes: number): FerryError {
  return new FerryError(
    "too_large",
    `Cannot accept a body of ${size} bytes: the limit is ${maxBytes}`,
  );
}

/**
 * The images of a `/v1/classify` request: every `image` field of a multipart form, or the
 * whole body when it is sent as `image/*` or `application/octet-stream`.
 */
export async function readImageUpload(
  request: Request,
  limits: { maxBodyBytes: number; maxFiles: number },
): Promise<ImageUpload> {
  // The multipart boundary is case-sensitive: only the media type is compared in lower case.
  const header = request.headers.get("content-type") ?? "";
  const type = header.toLowerCase();
  const body = await readBody(request, limits.maxBodyBytes);
  if (type.startsWith("multipart/form-data")) return await readMultipart(body, header, limits);
  if (type === "" || type.startsWith("image/") || type.startsWith("application/octet-stream")) {
    if (body.length === 0) throw missingImage();
    return { images: [body], fields: {} };
  }
  throw new FerryError(
    "unsupported_media",
    `Cannot classify a body of type '${header}': send multipart/form-data, image/* or application/octet-stream`,
  );
}

async function readMultipart(
  body: Uint8Array<ArrayBuffer>,
  type: string,
  limits: { maxFiles: number },
): Promise<ImageUpload> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": type } }).formData();
  } catch (error) {
    throw new FerryError("usage", `Cannot parse the multipart body: ${(error as Error).message}`);
  }
  const files: File[] = [];
  const fields: Record<string, string> = {};
  for (const [name, value] of form) {
    if (typeof value === "string") fields[name] = value;
    else if (name === "image") files.push(value);
  }
  if (files.length > limits.maxFiles) {
    throw new FerryError(
      "too_large",
      `Cannot classify ${files.length} images in one request: the limit is ${limits.maxFiles}`,
    );
  }
  const images = await Promise.all(files.map(async (f) => new Uint8Array(await f.arrayBuffer())));
  if (images.length === 0 || images.every((i) => i.length === 0)) throw missingImage();
  return { images, fields };
}

function missingImage(): FerryError {
  return new FerryError(
    "usage",
    "Cannot classify: the request has no image (send it as the body or as multipart field 'image')",
  );
}
