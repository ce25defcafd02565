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

/**
 * Reads an output file written by an earlier run so that a new run can skip the files it
 * already has a row for. A missing or empty file resumes nothing. A row cut off by an
 * interruption is not counted (its file is classified again) and `validLength` ends before it.
 */
export async function readResumeState(path: string, format: OutputFormat): Promise<ResumeState> {
  if (format === "table") {
    throw new FerryError("usage", "Cannot resume a table output: use --format csv or jsonl");
  }
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { done: new Set(), validLength: 0 };
    throw new FerryError("not_found", `Cannot resume from '${path}': ${(error as Error).message}`);
  }
  const text = decoder.decode(bytes);
  const { paths, end } = format === "csv" ? csvFirstFields(text) : jsonlPaths(text, path);
  if (format === "csv" && paths.length > 0 && paths[0] !== "path") {
    throw new FerryError("usage", `Cannot resume from '${path}': it is not a ferry CSV output`);
  }
  const rows = format === "csv" ? paths.slice(1) : paths;
  return {
    done: new Set(rows.map((p) => resolve(p))),
    validLength: encoder.encode(text.slice(0, end)).length,
  };
}

/** First field of each complete CSV record (RFC 4180), and where the last complete one ends. */
function csvFirstFields(text: string): { paths: string[]; end: number } {
  const paths: string[] = [];
  let end = 0;
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
      end = i + 1;
    } else if (column === 0) {
      field += c;
    }
  }
  return { paths, end };
}

function jsonlPaths(text: string, file: string): { paths: string[]; end: number } {
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
      throw new FerryError("usage", `Cannot resume from '${file}': it is not a ferry JSONL output`);
    }
    paths.push(path);
  }
  return { paths, end };
}
