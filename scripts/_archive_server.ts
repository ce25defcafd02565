/**
 * Serves one local file over http://127.0.0.1 for the length of an install: tfjs-node's install
 * script takes a libtensorflow location only as an http(s) URL (in `custom-binary.json`), so a
 * local archive reaches it this way rather than by editing the script.
 *
 * @module
 */

import { basename } from "node:path";

/** A running one-file server. */
export interface ArchiveServer {
  /** URL of the file, ending in the file's own name (the script picks tar or zip by extension). */
  url: string;
  close(): Promise<void>;
}

/** Starts serving `path` on a free port of 127.0.0.1. */
export function startArchiveServer(path: string): ArchiveServer {
  const name = basename(path);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    if (decodeURIComponent(new URL(request.url).pathname) !== `/${name}`) {
      return new Response(null, { status: 404 });
    }
    const file = await Deno.open(path);
    const { size } = await file.stat();
    return new Response(file.readable, { headers: { "content-length": String(size) } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/${encodeURIComponent(name)}`,
    close: () => server.shutdown(),
  };
}
