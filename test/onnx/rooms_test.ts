/**
 * The ONNX room's borders, read from the import statements in the source: export/ writes the
 * format and takes from runtime/ only the onnxruntime session it runs; runtime/ reads the format
 * and knows nothing of export/; onnx/ itself runs nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const SRC = resolve(import.meta.dirname!, "../../src");

interface Import {
  file: string;
  /** The src/ folder (or top-level file) a relative import reaches; a package's name otherwise. */
  room: string;
  /** Imported names; "*" for a namespace, "default" for a default import. */
  names: string[];
  typeOnly: boolean;
}

const IMPORT =
  /\b(import|export)\s+(type\s+)?(\{[^}]*\}|\*(?:\s+as\s+\w+)?|\w+)\s+from\s*"([^"]+)"|\bimport\s*\(?\s*"([^"]+)"|\bnew URL\(\s*"([^"]+)",\s*import\.meta\.url/g;

/** Every import, re-export, dynamic import and worker URL in the files under src/`folder`. */
function importsOf(folder: string): Import[] {
  const dir = join(SRC, folder);
  const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
  return files.flatMap((name) => {
    const file = join(dir, name);
    return [...readFileSync(file, "utf8").matchAll(IMPORT)].map((m) => {
      const specifier = (m[4] ?? m[5] ?? m[6])!;
      const room = specifier.startsWith(".")
        ? relative(SRC, resolve(dirname(file), specifier)).split("/")[0]!
        : specifier;
      const clause = m[3] ?? "*";
      const names = clause.startsWith("{")
        ? clause.slice(1, -1).split(",").map((n) => n.trim()).filter((n) => n !== "")
        : [clause.startsWith("*") ? "*" : "default"];
      return {
        file: relative(SRC, file),
        room,
        names: names.map((n) => n.replace(/^type\s+/, "").split(/\s+as\s+/)[0]!),
        typeOnly: m[2] !== undefined || names.every((n) => n.startsWith("type ")),
      };
    });
  });
}

describe("the ONNX room's borders", () => {
  test("export/ takes from runtime/ only the onnxruntime session its parity check and quantizer run", () => {
    const fromRuntime = importsOf("export").filter((i) => i.room === "runtime");
    expect(fromRuntime.map((i) => i.file)).toEqual(["export/parity.ts"]);
    expect(fromRuntime.flatMap((i) => i.names).sort()).toEqual([
      "SessionOptions",
      "createOrtSession",
    ]);
  });

  test("runtime/ imports nothing from export/, and reads the format through onnx/", () => {
    const imports = importsOf("runtime");
    expect(imports.filter((i) => i.room === "export")).toEqual([]);
    expect(imports.some((i) => i.room === "onnx")).toBe(true);
  });

  test("onnx/ runs nothing: from other rooms it takes types only, besides protobufjs", () => {
    const outside = importsOf("onnx").filter((i) => i.room !== "onnx");
    expect(outside.length).toBeGreaterThan(0);
    expect(outside.filter((i) => !i.typeOnly && i.room !== "protobufjs")).toEqual([]);
  });
});

describe("runtime/'s files", () => {
  test("read nothing but models: only the model file reader and findModels touch the disk", () => {
    // Deno's file calls, node:fs, and the image room's file reader.
    const DISK =
      /\bDeno\.(read\w*|open\w*|stat\w*|lstat\w*)\(|from\s+"node:fs(\/promises)?"|\breadImageFile\b/;
    const dir = join(SRC, "runtime");
    const touching = readdirSync(dir).filter((name) =>
      name.endsWith(".ts") && DISK.test(readFileSync(join(dir, name), "utf8"))
    );
    expect(touching.sort()).toEqual(["model_file.ts", "model_paths.ts"]);
  });
});
