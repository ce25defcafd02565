/// <reference lib="deno.worker" />
/** A thread of a JSON pool: parses v2 infer bodies as the event loop's thread would. */
import { answerCalls, withTransfer } from "../workers/mod.ts";
import { parseInferJson, toThread } from "./_infer_json.ts";

answerCalls({
  parse(bytes: Uint8Array) {
    const [parsed, buffers] = toThread(parseInferJson(bytes));
    return withTransfer(parsed, buffers);
  },
});
