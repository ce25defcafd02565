import { basename, join, matchesGlob, relative } from "node:path";
import { FerryError } from "../errors.ts";

/** Options of {@linkcode walkFiles}. */
export interface WalkOptions {
  /** Descend into subfolders. @default true */
  recursive?: boolean;
  /**
   * Globs a file must match to be visited (any of them), against its path relative to the root
   * it was found under, or against its base name for globs without a `/`. @default [] (all files)
   */
  include?: string[];
  /** Globs, matched the same way, that drop a file or a whole folder. @default [] */
  exclude?: string[];
}

/** Defaults of {@linkcode WalkOptions}. */
export const WALK_DEFAULTS: Required<WalkOptions> = { recursive: true, include: [], exclude: [] };

/** One entry found by {@linkcode walkFiles}: a file to read, or a path that cannot be. */
export interface WalkEntry {
  /** The path as it will be reported: the root as given, joined with the names below it. */
  path: string;
  /** The root (a folder or file named by the caller) the entry was found under. */
  root: string;
  /** Why the entry cannot be read (a dangling link, a FIFO, a folder that cannot be listed). */
  error?: string;
}

/**
 * Walks files and folders in order (names sorted, so runs are repeatable), following symbolic
 * links but never a loop: a folder already being walked, reached again through a link, is
 * skipped. Yields one entry per file; an entry that is not a regular file, or that cannot be
 * stat'ed, comes with an `error` rather than stopping the walk. A root that does not exist
 * throws a `not_found` {@linkcode FerryError}.
 */
export async function* walkFiles(
  roots: string[],
  options: WalkOptions = {},
): AsyncGenerator<WalkEntry> {
  const { recursive, include, exclude } = { ...WALK_DEFAULTS, ...options };
  const matches = (globs: string[], rel: string) =>
    globs.some((glob) => matchesGlob(glob.includes("/") ? rel : basename(rel), glob));
  for (const root of roots) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(root);
    } catch (error) {
      throw new FerryError("not_found", `Cannot classify '${root}': ${(error as Error).message}`);
    }
    if (!info.isDirectory) {
      yield { path: root, root, ...fileError(info) };
      continue;
    }
    // Real paths of the folders on the current branch of the walk: a link back to any of them
    // is a loop. Folders reached twice through different links (no loop) are walked twice.
    const branch = new Set<string>();
    const walkDir = async function* (dir: string): AsyncGenerator<WalkEntry> {
      const real = await Deno.realPath(dir);
      if (branch.has(real)) return;
      branch.add(real);
      try {
        let names: Deno.DirEntry[];
        try {
          names = await Array.fromAsync(Deno.readDir(dir));
        } catch (error) {
          yield { path: dir, root, error: `Cannot list folder: ${(error as Error).message}` };
          return;
        }
        names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of names) {
          const path = join(dir, entry.name);
          const rel = relative(root, path);
          if (matches(exclude, rel)) continue;
          let target: Deno.FileInfo | undefined;
          let statError: string | undefined;
          if (entry.isSymlink) {
            try {
              target = await Deno.stat(path);
            } catch (error) {
              statError = `Cannot read: ${(error as Error).message}`;
            }
          }
          const isDirectory = target ? target.isDirectory : entry.isDirectory;
          if (isDirectory) {
            if (recursive) yield* walkDir(path);
            continue;
          }
          if (include.length > 0 && !matches(include, rel)) continue;
          if (statError) {
            yield { path, root, error: statError };
          } else if (target ? !target.isFile : !entry.isFile) {
            yield { path, root, error: "Cannot read: not a regular file" };
          } else {
            yield { path, root };
          }
        }
      } finally {
        branch.delete(real);
      }
    };
    yield* walkDir(root);
  }
}

function fileError(info: Deno.FileInfo): { error?: string } {
  return info.isFile ? {} : { error: "Cannot read: not a regular file" };
}
