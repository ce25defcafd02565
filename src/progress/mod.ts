/**
 * The one way long work reports progress. Library code takes a {@linkcode Reporter}; the CLI
 * passes one that draws bars on stderr, tests pass {@linkcode silentReporter} or a recorder.
 *
 * @module
 */

export { type Reporter, silentReporter, type Task } from "./reporter.ts";
export { terminalReporter } from "./_terminal.ts";
export type { TerminalReporterOptions } from "./_terminal.ts";
