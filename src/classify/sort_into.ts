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

/**
 * Creates a sorter into `dir`. Files keep their base name; a name already taken in a label's
 * folder gets " (1)", " (2)"… before its extension, so no file is ever overwritten.
 */
export function createSorter(dir: string, options: SortIntoOptions = {}): Sorter {
  const made = new Set<string>();
  return {
    async place(path, label) {
      const folder = join(dir, safeName(label));
      if (!made.has(folder)) {
        await Deno.mkdir(folder, { recursive: true });
        made.add(folder);
      }
      const name = basename(path);
      const ext = extname(name);
      const stem = name.slice(0, name.length - ext.length);
      for (let n = 0;; n++) {
        const target = join(folder, n === 0 ? name : `${stem} (${n})${ext}`);
        try {
          if (options.link) {
            await Deno.symlink(resolve(path), target);
          } else {
            await copyNew(path, target);
          }
          return target;
        } catch (error) {
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        }
      }
    },
  };
}

/** Copies without overwriting: `createNew` makes the check and the creation one step. */
async function copyNew(from: string, to: string): Promise<void> {
  const target = await Deno.open(to, { write: true, createNew: true });
  let source: Deno.FsFile;
  try {
    source = await Deno.open(from, { read: true });
  } catch (error) {
    target.close();
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
