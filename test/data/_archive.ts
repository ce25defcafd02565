// Builds small CIFAR-10-shaped archives for the tests: a ustar writer and gzip via CompressionStream.
import { CIFAR10_CLASSES } from "../../src/data/mod.ts";
import { concat } from "../_fixtures/bytes.ts";

const encoder = new TextEncoder();

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, "0") + "\0";
}

/** A tar archive (ustar) of the given files, ended by two zero blocks. */
export function tar(files: [string, Uint8Array][]): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [];
  for (const [name, data] of files) {
    const header = new Uint8Array(512);
    const put = (text: string, at: number) => header.set(encoder.encode(text), at);
    put(name, 0);
    put(octal(0o644, 8), 100);
    put(octal(0, 8), 108);
    put(octal(0, 8), 116);
    put(octal(data.length, 12), 124);
    put(octal(1_700_000_000, 12), 136);
    put("        ", 148);
    put("0", 156);
    put("ustar\u000000", 257);
    const sum = header.reduce((a, b) => a + b, 0);
    put(octal(sum, 7) + " ", 148);
    parts.push(header, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  return concat(parts);
}

export async function gzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export const CLASS_NAMES = [...CIFAR10_CLASSES];

/**
 * One binary batch of `count` records: record n has label (n + first) % 10, and its red, green and
 * blue planes hold (n + first), p % 256 and 255 − p % 256 at pixel p.
 */
export function cifarBatch(count: number, first: number): Uint8Array {
  const batch = new Uint8Array(count * 3073);
  for (let n = 0; n < count; n++) {
    const at = n * 3073;
    batch[at] = (n + first) % 10;
    for (let p = 0; p < 1024; p++) {
      batch[at + 1 + p] = n + first;
      batch[at + 1 + 1024 + p] = p % 256;
      batch[at + 1 + 2048 + p] = 255 - (p % 256);
    }
  }
  return batch;
}

/** The files of a small CIFAR-10 binary release: 5 training batches of 3 records, a test batch of 2. */
export function cifarFiles(): [string, Uint8Array][] {
  return [
    ["cifar-10-batches-bin/batches.meta.txt", encoder.encode(CLASS_NAMES.join("\n") + "\n\n")],
    ...[1, 2, 3, 4, 5].map((k): [string, Uint8Array] => [
      `cifar-10-batches-bin/data_batch_${k}.bin`,
      cifarBatch(3, (k - 1) * 3),
    ]),
    ["cifar-10-batches-bin/test_batch.bin", cifarBatch(2, 100)],
    ["cifar-10-batches-bin/readme.html", encoder.encode("<p>synthetic</p>")],
  ];
}
