/** Image formats ferry recognises from their first bytes. */
export type ImageFormat =
  | "jpeg"
  | "png"
  | "webp"
  | "gif"
  | "tiff"
  | "avif"
  | "heif"
  | "bmp"
  | "svg";

const startsWith = (bytes: Uint8Array, prefix: number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));

/**
 * Recognises an image format from its bytes, never from a file name or Content-Type.
 * Returns undefined for anything else.
 */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP") return "webp";
  if (ascii(bytes, 0, 4) === "GIF8") return "gif";
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return "tiff";
  }
  if (ascii(bytes, 4, 8) === "ftyp") {
    const brand = ascii(bytes, 8, 12);
    if (brand === "avif" || brand === "avis") return "avif";
    if (["heic", "heix", "mif1", "msf1", "heim", "heis"].includes(brand)) return "heif";
  }
  if (ascii(bytes, 0, 2) === "BM") return "bmp";
  // SVG is text: look for the root element near the start, past an XML prolog or comments.
  const head = ascii(bytes, 0, 1024).trimStart().toLowerCase();
  if (
    (head.startsWith("<?xml") || head.startsWith("<svg") || head.startsWith("<!--")) &&
    head.includes("<svg")
  ) {
    return "svg";
  }
  return undefined;
}
