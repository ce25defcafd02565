import { FerryError } from "../errors.ts";

const encoder = new TextEncoder();

/**
 * Checks an `Authorization` header against the expected bearer token; throws `unauthorized`
 * when it is missing or wrong. The comparison takes the same time wherever the first
 * difference is, so that the token cannot be guessed byte by byte from response times.
 */
export function checkBearer(header: string | undefined, token: string): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) {
    throw new FerryError("unauthorized", "Cannot authorize: send 'Authorization: Bearer <token>'");
  }
  if (!sameBytes(encoder.encode(match[1]!), encoder.encode(token))) {
    throw new FerryError("unauthorized", "Cannot authorize: the bearer token is wrong");
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a[i] ?? 0) ^ b[i]!;
  return difference === 0;
}
