/**
 * Declared image size from the first bytes, so that a decompression bomb (a small file whose
 * header promises billions of pixels) is refused before any decoder allocates for it. Formats
 * not read here (TIFF, AVIF, HEIF, SVG; JPEG is read by `_jpeg_header.ts`) still meet sharp's own `limitInputPixels`.
 *
 * @module
 */
import type { ImageFormat } from "./sniff.ts";

/** Width and height as the file's header declares them. */
export interface Dimensions {
  width: number;
  height: number;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, to));

function png(bytes: Uint8Array): Dimensions | undefined {
  if (bytes.length < 24 || ascii(bytes, 12, 16) !== "IHDR") return undefined;
  return { width: view(bytes).getUint32(16), height: view(bytes).getUint32(20) };
}

function gif(bytes: Uint8Array): Dimensions | undefined {
  if (bytes.length < 10) return undefined;
  return { width: view(bytes).getUint16(6, true), height: view(bytes).getUint16(8, true) };
}

function bmp(bytes: Uint8Array): Dimensions | undefined {
  if (bytes.length < 26) return undefined;
  const v = view(bytes);
  // The 12-byte OS/2 core header has 16-bit sizes; every later one has signed 32-bit sizes.
  if (v.getUint32(14, true) === 12) {
    return { width: v.getUint16(18, true), height: v.getUint16(20, true) };
  }
  return { width: Math.abs(v.getInt32(18, true)), height: Math.abs(v.getInt32(22, true)) };
}

function webp(bytes: Uint8Array): Dimensions | undefined {
  if (bytes.length < 30) return undefined;
  const v = view(bytes);
  const chunk = ascii(bytes, 12, 16);
  if (chunk === "VP8X") {
    const u24 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
    return { width: u24(24) + 1, height: u24(27) + 1 };
  }
  if (chunk === "VP8L") {
    const bits = v.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8 ") {
    return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
  }
  return undefined;
}

/** The declared size, or undefined where this format is not read here or the header is short. */
export function declaredDimensions(bytes: Uint8Array, format: ImageFormat): Dimensions | undefined {
  switch (format) {
    case "png":
      return png(bytes);
    case "gif":
      return gif(bytes);
    case "bmp":
      return bmp(bytes);
    case "webp":
      return webp(bytes);
    default:
      return undefined;
  }
}
