/**
 * Which JPEGs the WebAssembly decoder may take. `@jsquash/jpeg` is mozjpeg, as is the libjpeg
 * inside sharp's libvips: the same integer inverse DCT and the same fancy upsampling, so for the
 * files accepted here both give the same bytes. Everything where libvips does more than decode
 * (resize, rotate, convert through a profile, CMYK) or where the two might differ goes to sharp.
 *
 * One limit, by measurement: a damaged file on which libjpeg does not even warn (it cannot
 * detect every corruption of the entropy data or the tables) may decode to coefficients far
 * outside what any encoder writes; there sharp's SIMD inverse DCT saturates while the portable
 * C one in the WebAssembly build wraps around, so the two give different garbage. Both accept
 * such a file, as sharp alone would; for every well-formed file the bytes are identical.
 *
 * @module
 */
import type { JpegComponent, JpegHeader } from "./_jpeg_header.ts";

const BASELINE = 0xc0;
const EXTENDED = 0xc1;
const PROGRESSIVE = 0xc2;

/**
 * Luma sampling factors (h×v, chroma 1×1) the corpus test proves: 4:4:4, 4:2:2 and 4:2:0.
 * Not 4:4:0 (1×2): there the two mozjpeg builds (of different ages) upsample differently, as
 * the cjpeg fixture `sub_440.jpg` shows.
 */
const LUMA_SAMPLING = new Set(["1x1", "2x1", "2x2"]);

/**
 * Why a JPEG must go to sharp, or undefined when the fast path gives sharp's exact result for
 * an output of `width` × `height`.
 */
export function fastPathObstacle(
  header: JpegHeader,
  width: number,
  height: number,
): string | undefined {
  const { frameType, components } = header;
  if (frameType !== BASELINE && frameType !== EXTENDED && frameType !== PROGRESSIVE) {
    return "not a Huffman-coded baseline, extended or progressive frame";
  }
  if (header.precision !== 8) return `${header.precision}-bit samples`;
  if (header.width !== width || header.height !== height) return "needs resizing";
  if (header.exifSegments > 1 || header.orientations === undefined) return "unreadable EXIF";
  if (header.orientations.some((o) => o !== 1)) return "EXIF orientation";
  if (header.iccProfile) return "ICC profile";
  if (header.adobe) return "Adobe colour transform";
  if (!header.endsWithEoi) return "no end-of-image marker";
  if (components.length === 1) {
    return components[0]!.h === 1 && components[0]!.v === 1 ? undefined : "gray subsampling";
  }
  if (components.length !== 3) return `${components.length} components`;
  const [y, cb, cr] = components as [JpegComponent, JpegComponent, JpegComponent];
  // Component ids 'R', 'G', 'B' mark an RGB (not YCbCr) JPEG.
  if (y.id === 0x52 && cb.id === 0x47 && cr.id === 0x42) return "RGB JPEG";
  if (cb.h !== 1 || cb.v !== 1 || cr.h !== 1 || cr.v !== 1 || !LUMA_SAMPLING.has(`${y.h}x${y.v}`)) {
    return "unusual chroma subsampling";
  }
  return undefined;
}
