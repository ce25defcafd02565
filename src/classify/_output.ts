import { FerryError } from "../errors.ts";

/** Where rows go when no output file is named: the CLI passes stdout. */
export interface RowSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** An open output: whole writes, and a close. */
export interface Output {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Opens `out` (cut back to its last complete row when resuming) or wraps `sink`. */
export async function openOutput(
  options: { out?: string; sink?: RowSink },
  validLength: number,
): Promise<Output> {
  const writeAll = async (sink: RowSink, bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await sink.write(bytes.subarray(at));
  };
  if (options.out === undefined) {
    const sink = options.sink;
    if (!sink) throw new FerryError("usage", "Cannot classify: no output file and no sink given");
    return { write: (bytes) => writeAll(sink, bytes), close: () => Promise.resolve() };
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(options.out, { write: true, create: true, truncate: validLength === 0 });
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot write '${options.out}': ${(error as Error).message}`,
    );
  }
  if (validLength > 0) {
    await file.truncate(validLength);
    await file.seek(validLength, Deno.SeekMode.Start);
  }
  return { write: (bytes) => writeAll(file, bytes), close: () => Promise.resolve(file.close()) };
}
