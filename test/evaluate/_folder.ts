import { join } from "node:path";
import sharp from "sharp";

/** Solid-colour images per class: the tiny model calls each one by its dominant channel. */
export const FOLDER_COLORS: Record<string, [number, number, number][]> = {
  red: [[220, 10, 10], [200, 30, 40], [30, 200, 20]],
  green: [[10, 220, 10], [20, 200, 60]],
  blue: [[10, 10, 220], [200, 20, 30], [40, 40, 200]],
};

/** Writes `<dir>/<class>/<n>.png` (40×30, so the loader has to resize) and returns `dir`. */
export async function writeColorFolder(dir: string): Promise<string> {
  for (const [name, colors] of Object.entries(FOLDER_COLORS)) {
    await Deno.mkdir(join(dir, name), { recursive: true });
    for (const [i, [r, g, b]] of colors.entries()) {
      await sharp({ create: { width: 40, height: 30, channels: 3, background: { r, g, b } } })
        .png()
        .toFile(join(dir, name, `${i}.png`));
    }
  }
  return dir;
}
