/**
 * A worker for WorkerClient's tests: echoes, fails on request, moves a buffer back, tells, and
 * says when it received a call.
 */
import { FerryError } from "../../src/errors.ts";
import { answerCalls, postEvent, withTransfer } from "../../src/workers/mod.ts";

answerCalls({
  echo: (value: unknown) => value,
  receivedAt: () => performance.timeOrigin + performance.now(),
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
