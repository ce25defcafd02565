/**
 * The open-file limit: raised from its soft value to the hard one at start (Deno has no
 * `setrlimit`, so through libc with FFI), and read back to size the connection cap.
 *
 * @module
 */

const RLIMIT_NOFILE = 7; // Linux's number; other systems keep their limit as it is.

/** The soft and hard open-file limits after raising the soft one, or undefined off Linux. */
export function raiseOpenFileLimit(): { soft: number; hard: number } | undefined {
  if (Deno.build.os !== "linux") return undefined;
  let libc: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;
  try {
    libc = Deno.dlopen("libc.so.6", SYMBOLS);
    const limits = new BigUint64Array(2);
    if (libc.symbols.getrlimit(RLIMIT_NOFILE, limits) !== 0) return undefined;
    if (limits[0]! < limits[1]!) {
      const raised = BigUint64Array.of(limits[1]!, limits[1]!);
      if (libc.symbols.setrlimit(RLIMIT_NOFILE, raised) === 0) limits[0] = limits[1]!;
    }
    return { soft: Number(limits[0]), hard: Number(limits[1]) };
  } catch {
    // No FFI permission or no glibc (musl): keep the limit that the process was given.
    return undefined;
  } finally {
    libc?.close();
  }
}

const SYMBOLS = {
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;
