/**
 * A worker for WorkerClient's tests: echoes, fails on request, moves a buffer back, tells, and
 * raises a shared flag.
 */
import { FerryError } from "../../src/errors.ts";
import { answerCalls, postEvent, withTransfer } from "../../src/workers/mod.ts";

answerCalls({
  echo: (value: unknown) => value,
  raise: (flag: Int32Array) => Atomics.store(flag, 0, 1),
  fail(kind: string | undefined) {
    if (kind === "too_many_pixels") {
      throw new FerryError("too_many_pixels", "Cannot decode png: too many pixels");
    }
    throw new Error("plain failure");
  },
  filled(length: number) {
    const values = new Float32Array(length).fill(7);
    return withTransfer(values, [values.buffer]);
  },
  told(message: string) {
    postEvent(message);
    return message.length;
  },
});
