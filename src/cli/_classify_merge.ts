/**
 * `ferry classify merge <shard output…>`: the outputs of `ferry classify --shard i/n` joined into
 * one, refused when a file has a row in two shards or (with `--expect`) none in any.
 *
 * @module
 */
import { mergeOutputs, type OutputFormat } from "../classify/mod.ts";
import { FerryError } from "../errors.ts";
import { terminalReporter } from "../progress/mod.ts";

/** What the merge takes from classify's resolved flags. */
export interface MergeFlags {
  format: OutputFormat;
  out: string | null;
  expect: string[];
  recursive: boolean;
  include: string[];
  exclude: string[];
}

/** Runs the merge; rows go to `--out` or stdout, the summary to stderr. */
export async function mergeShards(files: string[], flags: MergeFlags): Promise<number> {
  if (flags.format === "table") {
    throw new FerryError("usage", "Cannot merge table outputs: shards need --format csv or jsonl");
  }
  const { text, rows } = await mergeOutputs(files, {
    format: flags.format,
    expect: flags.expect,
    recursive: flags.recursive,
    include: flags.include,
    exclude: flags.exclude,
  });
  if (flags.out) await Deno.writeTextFile(flags.out, text);
  else await Deno.stdout.write(new TextEncoder().encode(text));
  const checked = flags.expect.length ? `, every file under ${flags.expect.join(" ")} once` : "";
  terminalReporter().info(`merged ${rows} rows from ${files.length} shards${checked}`);
  return 0;
}
