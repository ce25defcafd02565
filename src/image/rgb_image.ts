/** A decoded image: 8-bit RGB, row-major, channels interleaved (HWC). */
export interface RgbImage {
  /** `width * height * 3` bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}
