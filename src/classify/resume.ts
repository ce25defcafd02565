import { resolve } from "node:path";
import { FerryError } from "../errors.ts";
import type { OutputFormat } from "./format.ts";

/** What an earlier, possibly interrupted, output file already holds. */
export interface ResumeState {
  /** Absolute paths of the files that already have a row. */
  done: Set<string>;
  /** Bytes of complete rows; anything after (a row cut off by the interruption) is dropped. */
  validLength: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The complete rows of a ferry output file (csv or jsonl). */
export interface OutputRows {
  /** The file's text. */
  text: string;
  /** Each row's path, as written, in order (the CSV header is not a row). */
  paths: string[];
  /** Where the rows start in `text` (after the CSV header). */
  start: number;
  /** Where the complete rows end in `text`; a row cut off by an interruption comes after. */
  end: number;
}

/**
 * Reads the rows of an output file that `classify` wrote, complete rows only; `undefined` when
 * the file does not exist. Errors say `Cannot <action>: …`.
 */
export async function readOutputRows(
  path: string,
  format: Exclude<OutputFormat, "table">,
  action = `read '${path}'`,
): Promise<OutputRows | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new FerryError("not_found", `Cannot ${action}: ${(error as Error).message}`);
  }
  const text = decoder.decode(bytes);
  if (format === "jsonl") return { text, start: 0, ...jsonlPaths(text, action) };
  const { paths, ends } = csvFirstFields(text);
  if (paths.length > 0 && paths[0] !== "path") {
    throw new FerryError("usage", `Cannot ${action}: it is not a ferry CSV output`);
  }
  return { text, paths: paths.slice(1), start: ends[0] ?? 0, end: ends.at(-1) ?? 0 };
}

/**
 * Reads an output file written by an earlier run so that a new run can skip the files it
 * already has a row for. A missing or empty file resumes nothing. A row cut off by an
 * interruption is not counted (its file is classified again) and `validLength` ends before it.
 */
export async function readResumeState(path: string, format: OutputFormat): Promise<ResumeState> {
  if (format === "table") {
    throw new FerryError("usage", "Cannot resume a table output: use --format csv or jsonl");
  }
  const rows = await readOutputRows(path, format, `resume from '${path}'`);
  if (!rows) return { done: new Set(), validLength: 0 };
  return {
    done: new Set(rows.paths.map((p) => resolve(p))),
    validLength: encoder.encode(rows.text.slice(0, rows.end)).length,
  };
}

/** First field of each complete CSV record (RFC 4180), and where each one ends. */
function csvFirstFields(text: string): { paths: string[]; ends: number[] } {
  const paths: string[] = [];
  const ends: number[] = [];
  let field = "";
  let column = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') {
        if (column === 0) field += c;
      } else if (text[i + 1] === '"') {
        if (column === 0) field += c;
        i++;
      } else {
        quoted = false;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      column++;
    } else if (c === "\n") {
      paths.push(field);
      field = "";
      column = 0;
      ends.push(i + 1);
    } else if (column === 0) {
      field += c;
    }
  }
  return { paths, ends };
}

function jsonlPaths(text: string, action: string): { paths: string[]; end: number } {
  const paths: string[] = [];
  const end = text.lastIndexOf("\n") + 1;
  for (const line of text.slice(0, end).split("\n")) {
    if (line === "") continue;
    let path: unknown;
    try {
      path = JSON.parse(line).path;
    } catch {
      path = undefined;
    }
    if (typeof path !== "string") {
      throw new FerryError("usage", `Cannot ${action}: it is not a ferry JSONL output`);
    }
    paths.push(path);
  }
  return { paths, end };
}
