// A small streaming reader for tar archives (POSIX ustar, with pax and GNU long-name headers),
// enough for dataset archives: it keeps only the regular files the caller asks for.

const BLOCK = 512;
const decoder = new TextDecoder();

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #at = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(): Promise<boolean> {
    while (this.#at >= this.#chunk.length) {
      const { done, value } = await this.#reader.read();
      if (done) return false;
      this.#chunk = value;
      this.#at = 0;
    }
    return true;
  }

  /** Copies n bytes into `into` (or a new array); undefined at a clean end of stream. */
  async read(n: number, into = new Uint8Array(n)): Promise<Uint8Array | undefined> {
    let filled = 0;
    while (filled < n) {
      if (!(await this.#fill())) {
        if (filled === 0) return undefined;
        throw new Error(`the archive ends inside an entry (${filled} of ${n} bytes)`);
      }
      const take = Math.min(n - filled, this.#chunk.length - this.#at);
      into.set(this.#chunk.subarray(this.#at, this.#at + take), filled);
      this.#at += take;
      filled += take;
    }
    return into;
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw new Error("the archive ends inside an entry");
      const take = Math.min(left, this.#chunk.length - this.#at);
      this.#at += take;
      left -= take;
    }
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

function text(block: Uint8Array, from: number, length: number): string {
  const field = block.subarray(from, from + length);
  const end = field.indexOf(0);
  return decoder.decode(end === -1 ? field : field.subarray(0, end));
}

function numberField(block: Uint8Array, from: number, length: number): number {
  // GNU base-256 for values that do not fit the octal field (files over 8 GiB).
  if (block[from]! & 0x80) {
    let value = block[from]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[from + i]!;
    return value;
  }
  const digits = text(block, from, length).trim();
  return digits === "" ? 0 : parseInt(digits, 8);
}

function checksumMatches(block: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === numberField(block, 148, 8);
}

function paxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  for (const line of decoder.decode(data).split("\n")) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match) records.set(match[1]!, match[2]!);
  }
  return records;
}

/**
 * Reads a tar stream and returns the regular files whose path `want` accepts, by path.
 * Throws a plain Error (the caller says which archive) when the stream is no tar archive or ends
 * early. Stops reading once `want` says every wanted file has been seen (`done`).
 */
export async function readTarFiles(
  stream: ReadableStream<Uint8Array>,
  want: (path: string) => boolean,
  done: (found: Map<string, Uint8Array>) => boolean = () => false,
): Promise<Map<string, Uint8Array>> {
  const reader = new ByteReader(stream);
  // Cancelled on every way out, so a corrupt archive never leaves its file open.
  try {
    const found = new Map<string, Uint8Array>();
    const header = new Uint8Array(BLOCK);
    let longName: string | undefined;
    let pax = new Map<string, string>();
    while (true) {
      if (!(await reader.read(BLOCK, header))) break;
      if (header.every((b) => b === 0)) break;
      if (!checksumMatches(header)) {
        throw new Error("a header's checksum is wrong (not a tar archive?)");
      }
      const type = header[156] === 0 ? "0" : String.fromCharCode(header[156]!);
      const size = Number(pax.get("size") ?? numberField(header, 124, 12));
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (type === "x" || type === "L") {
        const data = (await reader.read(padded)) ?? new Uint8Array(0);
        if (type === "x") pax = paxRecords(data.subarray(0, size));
        else longName = text(data, 0, size);
        continue;
      }
      const prefix = text(header, 257, 6).startsWith("ustar") ? text(header, 345, 155) : "";
      const name = pax.get("path") ?? longName ??
        (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      pax = new Map();
      longName = undefined;
      if ((type === "0" || type === "7") && want(name)) {
        const data = new Uint8Array(size);
        if (size > 0 && !(await reader.read(size, data))) throw new Error(`${name} is cut short`);
        await reader.skip(padded - size);
        found.set(name, data);
        if (done(found)) break;
      } else {
        await reader.skip(padded);
      }
    }
    return found;
  } finally {
    // A stream that already failed refuses to cancel: its own error is the one to report.
    await reader.cancel().catch(() => {});
  }
}
