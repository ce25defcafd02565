import { basename, matchesGlob } from "node:path";
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

/** Entries per batch of {@linkcode walkBatches}. */
const BATCH = 512;

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
  for await (const batch of walkBatches(roots, options)) yield* batch;
}

/**
 * {@linkcode walkFiles} in batches of up to 512 entries: one promise per batch rather than per
 * file, which keeps the walk cheap beside decoding in folders of 100,000 files.
 */
export async function* walkBatches(
  roots: string[],
  options: WalkOptions = {},
): AsyncGenerator<WalkEntry[]> {
  const { recursive, include, exclude } = { ...WALK_DEFAULTS, ...options };
  const matches = (globs: string[], rel: string) =>
    globs.length > 0 &&
    globs.some((glob) => matchesGlob(glob.includes("/") ? rel : basename(rel), glob));
  let batch: WalkEntry[] = [];
  for (const root of roots) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(root);
    } catch (error) {
      throw new FerryError("not_found", `Cannot classify '${root}': ${(error as Error).message}`);
    }
    if (!info.isDirectory) {
      batch.push(info.isFile ? { path: root, root } : { path: root, root, error: NOT_REGULAR });
      continue;
    }
    // Real paths of the folders on the current branch of the walk: a link back to any of them
    // is a loop. Folders reached twice through different links (no loop) are walked twice.
    const branch = new Set<string>();
    // Paths and paths relative to the root are built by appending names: path.join() and
    // path.relative() per file cost more than the rest of the walk.
    const walkDir = async function* (dir: string, relDir: string): AsyncGenerator<WalkEntry[]> {
      let real: string;
      let listing: Listing;
      try {
        real = await Deno.realPath(dir === "" ? "." : dir);
        if (branch.has(real)) return;
        listing = await listFolder(dir);
      } catch (error) {
        batch.push({ path: dir, root, error: `Cannot list folder: ${(error as Error).message}` });
        return;
      }
      branch.add(real);
      try {
        const prefix = dir === "" || dir.endsWith("/") ? dir : `${dir}/`;
        for (const i of listing.order) {
          const name = listing.names[i]!;
          const kind = listing.kinds[i]!;
          const path = prefix + name;
          const rel = relDir === "" ? name : `${relDir}/${name}`;
          if (matches(exclude, rel)) continue;
          let resolved = kind;
          let statError: string | undefined;
          if (kind === LINK) {
            try {
              const target = await Deno.stat(path);
              resolved = target.isDirectory ? DIR : target.isFile ? FILE : OTHER;
            } catch (error) {
              statError = `Cannot read: ${(error as Error).message}`;
            }
          }
          if (resolved === DIR) {
            if (recursive) yield* walkDir(path, rel);
            continue;
          }
          if (include.length > 0 && !matches(include, rel)) continue;
          if (statError) batch.push({ path, root, error: statError });
          else if (resolved !== FILE) batch.push({ path, root, error: NOT_REGULAR });
          else batch.push({ path, root });
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
      } finally {
        branch.delete(real);
      }
    };
    yield* walkDir(root === "." ? "" : root, "");
  }
  if (batch.length > 0) yield batch;
}

const NOT_REGULAR = "Cannot read: not a regular file";
const FILE = 0, DIR = 1, LINK = 2, OTHER = 3;

/** A folder's names, a byte of kind each, and their sorted order: far smaller than DirEntry[]. */
interface Listing {
  names: string[];
  kinds: Uint8Array;
  order: Uint32Array;
}

async function listFolder(dir: string): Promise<Listing> {
  const names: string[] = [];
  let kinds = new Uint8Array(256);
  for await (const entry of Deno.readDir(dir === "" ? "." : dir)) {
    if (names.length === kinds.length) {
      const grown = new Uint8Array(kinds.length * 2);
      grown.set(kinds);
      kinds = grown;
    }
    kinds[names.length] = entry.isSymlink
      ? LINK
      : entry.isDirectory
      ? DIR
      : entry.isFile
      ? FILE
      : OTHER;
    names.push(entry.name);
  }
  const order = Uint32Array.from(names.keys());
  order.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0));
  return { names, kinds: kinds.subarray(0, names.length), order };
}
