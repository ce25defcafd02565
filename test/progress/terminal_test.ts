import { describe, expect, test } from "vitest";
import { terminalReporter } from "../../src/progress/mod.ts";

/** A stream that records what is written, as a terminal or as a pipe. */
function recorder(isTerminal: boolean) {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  return {
    chunks,
    stream: {
      writeSync(p: Uint8Array) {
        chunks.push(decoder.decode(p));
        return p.length;
      },
      isTerminal: () => isTerminal,
    },
  };
}

const STATUS = "loss 1.2345 accuracy 0.5678 val_loss 1.3456 val_accuracy 0.5432 lr 0.001";

describe("terminalReporter()", () => {
  test("cuts each redrawn bar to the terminal's width, so an 80-column terminal never wraps it", () => {
    const { chunks, stream } = recorder(true);
    let columns = 80;
    const reporter = terminalReporter({ stream, redrawMs: 0, columns: () => columns });
    const task = reporter.task("epoch 1/50", 703);
    task.tick(1, STATUS);
    columns = 40;
    task.tick(1, STATUS);
    const [wide, narrow] = chunks.map((c) => c.replace("\r\x1b[2K", ""));
    expect(chunks.every((c) => c.startsWith("\r\x1b[2K") && !c.includes("\n"))).toBe(true);
    expect([...wide!].length).toBe(79);
    expect(wide!.startsWith("epoch 1/50 ")).toBe(true);
    expect(wide!.endsWith("…")).toBe(true);
    expect([...narrow!].length).toBe(39);
  });

  test("leaves a bar that fits, and the lines written to a pipe, whole", () => {
    const live = recorder(true);
    terminalReporter({ stream: live.stream, redrawMs: 0, columns: () => 200 }).task("x", 2).tick(
      1,
      "ok",
    );
    expect(live.chunks[0]!.startsWith("\r\x1b[2Kx ")).toBe(true);
    expect(live.chunks[0]).toMatch(/ 1\/2 \[.*\] ok$/);

    const piped = recorder(false);
    const task = terminalReporter({ stream: piped.stream, columns: () => 40 }).task("epoch", 10);
    task.tick(10, STATUS);
    task.done();
    expect(piped.chunks).toHaveLength(1);
    expect(piped.chunks[0]).toContain(STATUS);
  });
});
