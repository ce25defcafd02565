import { FerryError } from "../errors.ts";

/** Where rows go when no output file is named: the CLI passes stdout. */
export interface RowSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** An open output: cut back to a length once, then whole writes, and a close. */
export interface Output {
  /** Cuts the file to `validLength` (its last complete row when resuming) and writes from there. */
  begin(validLength: number): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `out` under an exclusive lock held until `close()`, or wraps `sink`. The lock is taken
 * before the file is changed, so that a second run on the same file is refused (`locked`) and
 * leaves the first run's rows as they are.
 */
export async function openOutput(options: { out?: string; sink?: RowSink }): Promise<Output> {
  const writeAll = async (sink: RowSink, bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await sink.write(bytes.subarray(at));
  };
  if (options.out === undefined) {
    const sink = options.sink;
    if (!sink) throw new FerryError("usage", "Cannot classify: no output file and no sink given");
    return {
      begin: () => Promise.resolve(),
      write: (bytes) => writeAll(sink, bytes),
      close: () => Promise.resolve(),
    };
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(options.out, { write: true, create: true });
  } catch (error) {
    throw new FerryError(
      "not_found",
      `Cannot write '${options.out}': ${(error as Error).message}`,
    );
  }
  if (!await file.tryLock(true)) {
    file.close();
    throw new FerryError(
      "locked",
      `Cannot write '${options.out}': another ferry classify is writing it (it is locked)`,
    );
  }
  return {
    begin: async (validLength) => {
      await file.truncate(validLength);
      await file.seek(validLength, Deno.SeekMode.Start);
    },
    write: (bytes) => writeAll(file, bytes),
    close: () => Promise.resolve(file.close()),
  };
}
