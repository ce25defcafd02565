/**
 * The one way long work reports progress. Library code takes a {@linkcode Reporter}; the CLI
 * passes one that draws bars on stderr, tests pass {@linkcode silentReporter} or a recorder.
 *
 * @module
 */

/** A unit of long work with a known or unknown total. */
export interface Task {
  /** Moves the task forward by `n` units (default 1), with an optional status text such as "loss 0.91". */
  tick(n?: number, status?: string): void;
  /** Ends the task; `summary` is shown in place of the bar. */
  done(summary?: string): void;
}

/** Receives progress and messages from library code. */
export interface Reporter {
  /** Starts a task; `total` is undefined when it is not known in advance. */
  task(label: string, total?: number): Task;
  /** A line of information (the resolved config, a backend choice, an epoch summary). */
  info(message: string): void;
  /** A line about something that went wrong without stopping the work. */
  warn(message: string): void;
}

const silentTask: Task = { tick() {}, done() {} };

/** A reporter that says nothing: the default for library calls. */
export const silentReporter: Reporter = {
  task: () => silentTask,
  info() {},
  warn() {},
};

export { terminalReporter } from "./_terminal.ts";
export type { TerminalReporterOptions } from "./_terminal.ts";
