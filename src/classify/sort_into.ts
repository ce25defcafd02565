import { basename, extname, join, resolve } from "node:path";

/** Options of {@linkcode createSorter}. */
export interface SortIntoOptions {
  /** Make symbolic links (absolute targets) instead of copies. @default false */
  link?: boolean;
}

/** Places classified files into `<dir>/<label>/`. */
export interface Sorter {
  /** Copies or links `path` into the folder of `label`; resolves to where it was placed. */
  place(path: string, label: string): Promise<string>;
}

/** Suffix of a copy in progress; a run that was killed leaves these, and the next removes them. */
const PART = ".ferry-part";

/**
 * Creates a sorter into `dir`. Files keep their base name; a name already taken in a label's
 * folder gets " (1)", " (2)"… before its extension, so no file is ever overwritten.
 *
 * Crash-safe, so that `--resume` after a kill completes the folder: a copy is written under a
 * hidden temporary name in the target folder and hard-linked into place only once complete (no
 * zero-byte or torn file under a real name), and placing a file that is already there (the same
 * link target, or a copy with the same name and bytes, left by a run killed before it wrote the
 * row) finds it instead of adding a duplicate.
 */
export function createSorter(dir: string, options: SortIntoOptions = {}): Sorter {
  // One preparation per folder, awaited by every placement into it: a placement must not write
  // its part while another is still clearing the folder of old ones.
  const made = new Map<string, Promise<void>>();
  const prepare = async (folder: string) => {
    await Deno.mkdir(folder, { recursive: true });
    await removeParts(folder);
  };
  return {
    async place(path, label) {
      const folder = join(dir, safeName(label));
      if (!made.has(folder)) made.set(folder, prepare(folder));
      await made.get(folder);
      const name = basename(path);
      const ext = extname(name);
      const stem = name.slice(0, name.length - ext.length);
      const part = options.link
        ? undefined
        : join(folder, `.${name}.${crypto.randomUUID()}${PART}`);
      if (part) await copyNew(path, part);
      try {
        for (let n = 0;; n++) {
          const target = join(folder, n === 0 ? name : `${stem} (${n})${ext}`);
          try {
            if (part) await Deno.link(part, target);
            else await Deno.symlink(resolve(path), target);
            return target;
          } catch (error) {
            if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
            if (await samePlacement(path, target, part)) return target;
          }
        }
      } finally {
        if (part) await Deno.remove(part).catch(() => {});
      }
    },
  };
}

/** Whether `target` already is `path` placed: its link, or a copy with the same bytes. */
async function samePlacement(path: string, target: string, part: string | undefined) {
  if (!part) return await Deno.readLink(target).then((to) => to === resolve(path), () => false);
  const [a, b] = await Promise.all([Deno.readFile(part), Deno.readFile(target).catch(() => null)]);
  return b !== null && a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** Removes the copies in progress that a killed run left in `folder`. */
async function removeParts(folder: string): Promise<void> {
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isFile && entry.name.endsWith(PART)) {
      await Deno.remove(join(folder, entry.name)).catch(() => {});
    }
  }
}

/** Copies without overwriting: `createNew` makes the check and the creation one step. */
async function copyNew(from: string, to: string): Promise<void> {
  const target = await Deno.open(to, { write: true, createNew: true });
  let source: Deno.FsFile;
  try {
    source = await Deno.open(from, { read: true });
  } catch (error) {
    target.close();
    await Deno.remove(to).catch(() => {});
    throw error;
  }
  // pipeTo closes both files, on success and on failure.
  await source.readable.pipeTo(target.writable);
}

/** A class name as a folder name: path separators and `..` cannot escape `dir`. */
function safeName(label: string): string {
  const cleaned = label.replaceAll(/[/\\\0]/g, "_");
  return cleaned === "" || cleaned === "." || cleaned === ".." ? `_${cleaned}` : cleaned;
}
