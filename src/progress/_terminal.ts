import type { Reporter, Task } from "./reporter.ts";

/** Options of {@linkcode terminalReporter}. */
export interface TerminalReporterOptions {
  /** Where bars and messages go; stdout stays free for machine-readable output. @default Deno.stderr */
  stream?: { writeSync(p: Uint8Array): number; isTerminal(): boolean };
  /** Minimum milliseconds between redraws of a bar. @default 100 */
  redrawMs?: number;
  /**
   * The terminal's width in columns, asked at each redraw (a terminal can be resized).
   * @default Deno.consoleSize().columns, or 80 where there is no console
   */
  columns?: () => number;
}

const encoder = new TextEncoder();

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mmss = `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}

/**
 * `text` cut to `columns - 1` characters: a bar that reached the last column, or wrapped, would
 * leave rows behind that `\r` and clearing the line cannot reach.
 */
function fitToWidth(text: string, columns: number): string {
  const chars = [...text];
  if (chars.length < columns) return text;
  return chars.slice(0, Math.max(columns - 2, 0)).join("") + "…";
}

function formatRate(rate: number): string {
  return rate >= 100 ? Math.round(rate).toLocaleString("en-US") : rate.toFixed(1);
}

/**
 * A reporter that draws one live bar per task on a terminal (count, rate, ETA and status), and
 * falls back to a line per finished task when the stream is not a terminal (CI logs, pipes).
 */
export function terminalReporter(options: TerminalReporterOptions = {}): Reporter {
  const stream = options.stream ?? Deno.stderr;
  const redrawMs = options.redrawMs ?? 100;
  const columns = options.columns ?? consoleColumns;
  const live = stream.isTerminal();
  const write = (text: string) => stream.writeSync(encoder.encode(text));

  return {
    info: (message) => write(`${message}\n`),
    warn: (message) => write(`warning: ${message}\n`),
    task(label: string, total?: number): Task {
      const start = performance.now();
      let count = 0;
      let status = "";
      let lastDraw = 0;
      const line = (): string => {
        const elapsed = (performance.now() - start) / 1000;
        const rate = count / Math.max(elapsed, 1e-9);
        if (total === undefined) {
          return `${label} ${count} [${formatDuration(elapsed)}, ${formatRate(rate)}/s] ${status}`;
        }
        const fraction = total > 0 ? Math.min(count / total, 1) : 1;
        const width = 24;
        const filled = Math.round(fraction * width);
        const bar = "█".repeat(filled) + "░".repeat(width - filled);
        const eta = rate > 0 ? (total - count) / rate : Infinity;
        return `${label} ${bar} ${count}/${total} [${formatDuration(elapsed)}<${
          formatDuration(eta)
        }, ${formatRate(rate)}/s] ${status}`;
      };
      return {
        tick(n = 1, text) {
          count += n;
          if (text !== undefined) status = text;
          const now = performance.now();
          if (live && now - lastDraw >= redrawMs) {
            lastDraw = now;
            write(`\r\x1b[2K${fitToWidth(line(), columns())}`);
          }
        },
        done(summary) {
          const text = summary === undefined ? line() : `${label} ${summary}`;
          write(live ? `\r\x1b[2K${text}\n` : `${text}\n`);
        },
      };
    },
  };
}
