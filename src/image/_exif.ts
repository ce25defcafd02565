/**
 * Reads the orientation tags of an EXIF block (the TIFF structure inside a JPEG's APP1 "Exif"
 * segment). Only used to decide whether a JPEG may skip sharp: libvips rotates by the orientation
 * it finds, so the fast path must know every orientation the block declares.
 *
 * @module
 */

const ORIENTATION = 0x0112;
/** Pointers to sub-IFDs: Exif, GPS, Interoperability. */
const SUB_IFD_TAGS = new Set([0x8769, 0x8825, 0xa005]);
const TYPE_SHORT = 3;
const TYPE_LONG = 4;
const TYPE_IFD = 13;

/**
 * Every orientation value found in IFD0, IFD1 and the sub-IFDs of a TIFF block, or undefined
 * when the block is malformed (a bad byte order, an offset outside it, a loop).
 */
export function exifOrientations(tiff: Uint8Array): number[] | undefined {
  if (tiff.length < 8) return undefined;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  if (view.getUint16(2, little) !== 42) return undefined;

  const found: number[] = [];
  const visited = new Set<number>();
  const pending = [view.getUint32(4, little)];
  while (pending.length > 0) {
    const at = pending.pop()!;
    // IFD1 (the thumbnail's) ends the usual chain with a zero "next" pointer.
    if (at === 0) continue;
    if (visited.has(at) || visited.size > 8 || at + 2 > tiff.length) return undefined;
    visited.add(at);
    const count = view.getUint16(at, little);
    const end = at + 2 + count * 12;
    if (end + 4 > tiff.length) return undefined;
    for (let entry = at + 2; entry < end; entry += 12) {
      const tag = view.getUint16(entry, little);
      const type = view.getUint16(entry + 2, little);
      if (tag === ORIENTATION) {
        if (type !== TYPE_SHORT || view.getUint32(entry + 4, little) !== 1) return undefined;
        found.push(view.getUint16(entry + 8, little));
      } else if (SUB_IFD_TAGS.has(tag)) {
        if (type !== TYPE_LONG && type !== TYPE_IFD) return undefined;
        pending.push(view.getUint32(entry + 8, little));
      }
    }
    // Only IFD0 links on to IFD1; a sub-IFD's next pointer is meaningless and usually zero.
    if (visited.size === 1) pending.push(view.getUint32(end, little));
  }
  return found;
}
