/**
 * The reporter interface that library code takes, and the silent one; the terminal reporter
 * implements it in its own file.
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
