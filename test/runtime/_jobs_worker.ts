/** A worker script for openClassifierInWorker's tests: a classifier with one job of its own. */
import { serveClassifier } from "../../src/runtime/mod.ts";
import { withTransfer } from "../../src/workers/mod.ts";

serveClassifier({
  async double(session, input: Float32Array) {
    const output = await session.run(input, 1);
    const doubled = output.map((p) => 2 * p);
    return withTransfer({ classes: session.info.classNames, doubled }, [doubled.buffer]);
  },
});
