import { expect, test } from "vitest";
import {
  checkPositiveIntegers,
  FerryError,
  fromData,
  grpcStatusOf,
  toData,
} from "../src/errors.ts";

test("toData() and fromData() carry a FerryError's kind, status and message across", () => {
  const original = new FerryError("too_many_pixels", "Cannot decode png: too many pixels");
  const data = structuredClone(toData(original));
  expect(data).toEqual({ kind: "too_many_pixels", message: original.message });
  const rebuilt = fromData(data) as FerryError;
  expect(rebuilt).toBeInstanceOf(FerryError);
  expect([rebuilt.kind, rebuilt.httpStatus, rebuilt.exitCode, rebuilt.message])
    .toEqual(["too_many_pixels", 422, original.exitCode, original.message]);
});

test("toData() and fromData() turn any other error or value into a plain Error's message", () => {
  const plain = fromData(structuredClone(toData(new TypeError("x is not a function"))));
  expect(plain).not.toBeInstanceOf(FerryError);
  expect(plain.message).toBe("x is not a function");
  expect(fromData(toData("a thrown string")).message).toBe("a thrown string");
});

test("grpcStatusOf() gives the client-side kinds client statuses and the unexpected INTERNAL", () => {
  // google.rpc.Code: 3 INVALID_ARGUMENT, 5 NOT_FOUND, 8 RESOURCE_EXHAUSTED, 13 INTERNAL,
  // 14 UNAVAILABLE (what gRPC clients retry), 16 UNAUTHENTICATED.
  const status = (kind: ConstructorParameters<typeof FerryError>[0]) =>
    grpcStatusOf(new FerryError(kind, "x"));
  expect(
    ["usage", "unsupported_media", "undecodable", "too_many_pixels"].map((k) =>
      status(k as "usage")
    ),
  ).toEqual([3, 3, 3, 3]);
  expect([status("not_found"), status("too_large"), status("overloaded")]).toEqual([5, 8, 14]);
  expect([status("unauthorized"), status("model")]).toEqual([16, 13]);
  expect(grpcStatusOf(new TypeError("bug"))).toBe(13);
});

test("checkPositiveIntegers() names the first value that is no positive integer, and skips undefined", () => {
  expect(() => checkPositiveIntegers("serve", { a: 1, b: undefined, c: 2 })).not.toThrow();
  for (const bad of [0, -1, 1.5, NaN]) {
    expect(() => checkPositiveIntegers("serve", { a: 3, b: bad, c: 0 })).toThrow(
      new FerryError("usage", `Cannot serve: 'b' must be a positive integer, got ${bad}`),
    );
  }
  const error = (() => {
    try {
      checkPositiveIntegers("batch", { maxQueue: 0 });
    } catch (e) {
      return e;
    }
  })();
  expect(error).toMatchObject({ kind: "usage", exitCode: 2, httpStatus: 400 });
});
