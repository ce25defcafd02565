/**
 * A folder of real image files for classify tests, made with sharp: solid red, green and blue
 * JPEGs and PNGs in `<colour>/` folders (some nested deeper, some with spaces and non-ASCII
 * characters in their names), plus the awkward entries a real photo folder has.
 *
 * @module
 */
import { join } from "node:path";
import sharp from "sharp";

const COLOURS = { red: "#f01010", green: "#10f010", blue: "#1010f0" } as const;

/** A colour image as encoded bytes. */
export async function solidImage(
  colour: keyof typeof COLOURS,
  format: "jpeg" | "png" = "jpeg",
  size = { width: 40, height: 30 },
): Promise<Uint8Array> {
  const image = sharp({ create: { ...size, channels: 3, background: COLOURS[colour] } });
  return new Uint8Array(await (format === "png" ? image.png() : image.jpeg()).toBuffer());
}

/** The images {@linkcode makeTree} writes: relative path → true colour. */
export const TREE_IMAGES: Record<string, keyof typeof COLOURS> = {
  "red/r1.jpg": "red",
  "red/deeper/still deeper/r2.png": "red",
  "green/g1.jpg": "green",
  "green/grün blätter ü.jpg": "green",
  "blue/b1.jpg": "blue",
  'blue/b 2, "quoted".jpeg': "blue",
};

/**
 * Writes {@linkcode TREE_IMAGES} under `dir`, plus a symbolic link loop (`blue/loop` → `dir`),
 * a text file that is no image (`notes.txt`) and, when `awkward` is set, a corrupt JPEG
 * (`red/corrupt.jpg`), a link to a file that does not exist (`green/gone.jpg`), a FIFO
 * (`blue/pipe.jpg`) and a file that even root cannot read (`red/unreadable.jpg`).
 */
export async function makeTree(dir: string, options: { awkward?: boolean } = {}): Promise<void> {
  for (const [rel, colour] of Object.entries(TREE_IMAGES)) {
    const path = join(dir, rel);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    await Deno.writeFile(path, await solidImage(colour, rel.endsWith(".png") ? "png" : "jpeg"));
  }
  await Deno.symlink(dir, join(dir, "blue", "loop"));
  await Deno.writeTextFile(join(dir, "notes.txt"), "not an image\n");
  if (options.awkward) {
    const jpeg = await solidImage("red");
    await Deno.writeFile(join(dir, "red", "corrupt.jpg"), jpeg.subarray(0, 200));
    await Deno.symlink(join(dir, "nowhere.jpg"), join(dir, "green", "gone.jpg"));
    // Tests run as root, which chmod 000 does not stop. /proc/self/mem is a regular file whose
    // read at offset 0 fails with EIO for anyone: an honest unreadable file.
    await Deno.symlink("/proc/self/mem", join(dir, "red", "unreadable.jpg"));
    const mkfifo = new Deno.Command("mkfifo", { args: [join(dir, "blue", "pipe.jpg")] });
    if (!(await mkfifo.output()).success) throw new Error("mkfifo failed");
  }
}
