/**
 * A small JPEG marker walk: enough of the header to decide whether the WebAssembly decoder can
 * promise sharp's exact pixels. It reads markers up to the first scan and never the entropy data.
 *
 * @module
 */
import { exifOrientations } from "./_exif.ts";

/** One colour component of the frame header. */
export interface JpegComponent {
  id: number;
  h: number;
  v: number;
}

/** What the fast-path decision needs from a JPEG's markers. */
export interface JpegHeader {
  /** The SOFn marker's second byte: 0xc0 baseline, 0xc1 extended, 0xc2 progressive, … */
  frameType: number;
  /** Bits per sample. */
  precision: number;
  width: number;
  height: number;
  components: JpegComponent[];
  /** Orientations declared by the EXIF block(s); undefined when a block could not be read. */
  orientations: number[] | undefined;
  /** Number of APP1 "Exif" segments. */
  exifSegments: number;
  /** An APP2 ICC_PROFILE segment is present (libvips then converts through the profile). */
  iccProfile: boolean;
  /** An APP14 "Adobe" segment is present (RGB or CMYK transforms, inverted CMYK). */
  adobe: boolean;
  /** The file's last two bytes are the EOI marker. */
  endsWithEoi: boolean;
}

const SOI = 0xd8;
const SOS = 0xda;
const EOI = 0xd9;

function isFrameMarker(marker: number): boolean {
  // SOF0–SOF15 except DHT (c4), JPG (c8) and DAC (cc).
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
    marker !== 0xcc;
}

function startsWithText(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Walks the markers from SOI to the first SOS. Returns undefined for anything that is not a
 * well-formed header (truncated, no frame, two frames, a stray marker): such files are left
 * to sharp, which gives the error.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return undefined;
  const header: JpegHeader = {
    frameType: -1,
    precision: 0,
    width: 0,
    height: 0,
    components: [],
    orientations: [],
    exifSegments: 0,
    iccProfile: false,
    adobe: false,
    endsWithEoi: bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === EOI,
  };
  let at = 2;
  for (;;) {
    if (bytes[at] !== 0xff) return undefined;
    // Any number of 0xff fill bytes may precede a marker.
    while (bytes[at] === 0xff) at++;
    const marker = bytes[at++];
    if (marker === undefined || at + 2 > bytes.length) return undefined;
    // Standalone markers (TEM, RSTn) and a second SOI or an EOI cannot appear before the scan.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9) || marker === 0x00) return undefined;
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    const end = at + length;
    if (length < 2 || end > bytes.length) return undefined;
    const body = bytes.subarray(at + 2, end);
    if (marker === SOS) return header.frameType < 0 ? undefined : header;
    if (isFrameMarker(marker)) {
      if (header.frameType >= 0 || !readFrame(body, marker, header)) return undefined;
    } else if (marker === 0xe1 && startsWithText(body, 0, "Exif\0\0")) {
      header.exifSegments++;
      const found = exifOrientations(body.subarray(6));
      header.orientations = found && header.orientations && [...header.orientations, ...found];
    } else if (marker === 0xe2 && startsWithText(body, 0, "ICC_PROFILE\0")) {
      header.iccProfile = true;
    } else if (marker === 0xee && startsWithText(body, 0, "Adobe")) {
      header.adobe = true;
    }
    at = end;
  }
}

function readFrame(body: Uint8Array, marker: number, header: JpegHeader): boolean {
  if (body.length < 6) return false;
  const count = body[5]!;
  if (body.length !== 6 + 3 * count) return false;
  header.frameType = marker;
  header.precision = body[0]!;
  header.height = (body[1]! << 8) | body[2]!;
  header.width = (body[3]! << 8) | body[4]!;
  for (let c = 0; c < count; c++) {
    const sampling = body[7 + 3 * c]!;
    header.components.push({ id: body[6 + 3 * c]!, h: sampling >> 4, v: sampling & 15 });
  }
  return true;
}
