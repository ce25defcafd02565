import { expect, test } from "vitest";
import { FerryError, fromData, toData } from "../src/errors.ts";

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
