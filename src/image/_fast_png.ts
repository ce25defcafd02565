/**
 * The fast PNG path: 8-bit gray, RGB or palette PNGs without transparency, colour profile,
 * gamma, EXIF or interlacing, already at the output size, decoded with zlib and the five PNG
 * filters in a few tens of microseconds (sharp spends most of a millisecond on a 32×32 PNG).
 * For these files libvips does nothing but decode, so the bytes are sharp's. Every other file,
 * and every file with any irregularity (a bad CRC, a short or long zlib stream, trailing bytes),
 * goes to sharp, which gives the verdict.
 *
 * @module
 */
import { crc32, inflateSync } from "node:zlib";
import type { RgbImage } from "./rgb_image.ts";

const GRAY = 0;
const RGB = 2;
const PALETTE = 3;
const CHANNELS: Record<number, number> = { [GRAY]: 1, [RGB]: 3, [PALETTE]: 1 };

interface PngParts {
  width: number;
  height: number;
  colourType: number;
  palette: Uint8Array | undefined;
  idat: Uint8Array[];
}

const type = (bytes: Uint8Array, at: number) =>
  String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);

/** Chunks the fast path understands; any other chunk (tRNS, iCCP, gAMA, eXIf, acTL …) means sharp. */
function readChunks(bytes: Uint8Array): PngParts | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: PngParts = { width: 0, height: 0, colourType: -1, palette: undefined, idat: [] };
  let previous = "";
  for (let at = 8; at < bytes.length;) {
    if (at + 12 > bytes.length) return undefined;
    const length = view.getUint32(at);
    const end = at + 12 + length;
    if (end > bytes.length) return undefined;
    const name = type(bytes, at + 4);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) {
      return undefined;
    }
    if ((previous === "") !== (name === "IHDR")) return undefined;
    if (name === "IHDR") {
      // 8-bit, deflate, standard filters, not interlaced.
      if (length !== 13 || data[8] !== 8 || data[10] !== 0 || data[11] !== 0 || data[12] !== 0) {
        return undefined;
      }
      parts.width = view.getUint32(at + 8);
      parts.height = view.getUint32(at + 12);
      parts.colourType = data[9]!;
      if (CHANNELS[parts.colourType] === undefined) return undefined;
    } else if (name === "PLTE") {
      if (parts.palette || length % 3 !== 0 || length === 0 || length > 768) return undefined;
      parts.palette = data;
    } else if (name === "IDAT") {
      // Image data chunks must follow one another.
      if (parts.idat.length > 0 && previous !== "IDAT") return undefined;
      parts.idat.push(data);
    } else if (name === "IEND") {
      return end === bytes.length && length === 0 && parts.idat.length > 0 ? parts : undefined;
    } else if (name !== "pHYs" || length !== 9 || data[8]! > 1) {
      return undefined;
    }
    previous = name;
    at = end;
  }
  return undefined;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undoes the per-row filters in place; false for an unknown filter type. */
function unfilter(raw: Uint8Array, rows: number, stride: number, bpp: number): boolean {
  for (let y = 0; y < rows; y++) {
    const line = y * (stride + 1) + 1;
    const above = line - stride - 1;
    const filter = raw[line - 1];
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? raw[line + x - bpp]! : 0;
      const b = y > 0 ? raw[above + x]! : 0;
      const c = y > 0 && x >= bpp ? raw[above + x - bpp]! : 0;
      let predictor;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) predictor = paeth(a, b, c);
      else return false;
      raw[line + x] = (raw[line + x]! + predictor) & 255;
    }
  }
  return true;
}

/** Whether the bytes are a PNG the fast path may decode to `width` × `height`. */
export function fastPngParts(
  bytes: Uint8Array,
  width: number,
  height: number,
): PngParts | undefined {
  const parts = readChunks(bytes);
  if (!parts || parts.width !== width || parts.height !== height) return undefined;
  if ((parts.colourType === PALETTE) !== (parts.palette !== undefined)) return undefined;
  return parts;
}

/** Decodes the parts {@linkcode fastPngParts} accepted, or returns undefined to leave it to sharp. */
export function decodePngFast(parts: PngParts): RgbImage | undefined {
  const { width, height, colourType, palette } = parts;
  const bpp = CHANNELS[colourType]!;
  const stride = width * bpp;
  let raw: Uint8Array;
  try {
    // A stream that inflates past the size the header implies is refused before it is all in
    // memory: a small IDAT of zeros can otherwise grow a thousandfold.
    raw = inflateSync(parts.idat.length === 1 ? parts.idat[0]! : concat(parts.idat), {
      maxOutputLength: height * (stride + 1),
    });
  } catch {
    return undefined;
  }
  if (raw.length !== height * (stride + 1) || !unfilter(raw, height, stride, bpp)) return undefined;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0, o = 0; y < height; y++) {
    const line = y * (stride + 1) + 1;
    for (let x = 0; x < width; x++, o += 3) {
      if (colourType === RGB) {
        rgb[o] = raw[line + 3 * x]!;
        rgb[o + 1] = raw[line + 3 * x + 1]!;
        rgb[o + 2] = raw[line + 3 * x + 2]!;
      } else if (colourType === GRAY) {
        rgb[o] = rgb[o + 1] = rgb[o + 2] = raw[line + x]!;
      } else {
        const index = raw[line + x]! * 3;
        // An index past the palette is an error for libpng; let sharp say so.
        if (index + 2 >= palette!.length) return undefined;
        rgb[o] = palette![index]!;
        rgb[o + 1] = palette![index + 1]!;
        rgb[o + 2] = palette![index + 2]!;
      }
    }
  }
  return { data: rgb, width, height };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
