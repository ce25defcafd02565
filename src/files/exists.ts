/**
 * Whether a path is taken.
 *
 * @module
 */

/** Whether anything (a file, a folder) exists at `path`; false also when it cannot be looked at. */
export async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
