import { basename } from "node:path";
import { FerryError } from "../errors.ts";
import type { WalkEntry } from "./walk.ts";

/** Shard `index` of `count` (0-based): the part of a walk one of `count` machines classifies. */
export interface Shard {
  index: number;
  count: number;
}

/**
 * Reads `i/n` (as `--shard` takes it): shard i of n, counted from 0, as Kubernetes numbers an
 * Indexed Job's pods.
 *
 * @example
 * ```ts
 * parseShard("2/8"); // { index: 2, count: 8 }
 * ```
 */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count) {
    throw new FerryError(
      "usage",
      `Cannot use --shard: expected i/n with 0 ≤ i < n (for example 0/4), got '${text}'`,
    );
  }
  return { index, count };
}

/**
 * Which of `count` shards a file belongs to, from a hash of its path relative to the folder it
 * was found under: the same on every machine whatever the mount point, and a file keeps its
 * shard when others are added or removed (only changing `count` moves files).
 */
export function shardOf(relativePath: string, count: number): number {
  // FNV-1a over the UTF-16 code units, then a multiply-xorshift finaliser (MurmurHash3's) so that
  // paths differing only at the end still spread over every shard.
  let h = 0x811c9dc5;
  for (let i = 0; i < relativePath.length; i++) {
    h = Math.imul(h ^ relativePath.charCodeAt(i), 0x01000193);
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % count;
}

/** An entry's path relative to the root it was found under (its name for a file given alone). */
export function relativePathOf(entry: WalkEntry): string {
  if (entry.path === entry.root) return basename(entry.path);
  return entry.path.slice(entry.root.length).replace(/^\/+/, "");
}

/** The entries of `batches` that fall in `shard`; all of them without one. */
export async function* shardBatches(
  batches: AsyncIterable<WalkEntry[]>,
  shard: Shard | undefined,
): AsyncGenerator<WalkEntry[]> {
  if (!shard || shard.count === 1) return yield* batches;
  for await (const batch of batches) {
    const kept = batch.filter((e) => shardOf(relativePathOf(e), shard.count) === shard.index);
    if (kept.length > 0) yield kept;
  }
}
