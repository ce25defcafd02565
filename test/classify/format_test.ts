import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FerryError } from "../../src/errors.ts";
import { type ClassifiedRow, readResumeState, rowFormatter } from "../../src/classify/mod.ts";

const classNames = ["red", "green", "blue"];
const ok: ClassifiedRow = {
  path: 'a/b 2, "quoted".jpg',
  label: "red",
  probability: 0.9,
  topK: [{ label: "red", probability: 0.9 }, { label: "blue", probability: 0.0625 }],
};
const bad: ClassifiedRow = {
  path: "a/bad\nname.jpg",
  topK: [],
  error: "Cannot decode jpeg: truncated",
};

describe("rowFormatter()", () => {
  test("writes CSV with a header, RFC 4180 quoting and top-k columns", () => {
    const csv = rowFormatter("csv", classNames);
    expect(csv.header()).toBe("path,label,probability,top_k_labels,top_k_probabilities,error\n");
    expect(csv.row(ok)).toBe(
      '"a/b 2, ""quoted"".jpg",red,0.900000,red;blue,0.900000;0.062500,\n',
    );
    expect(csv.row(bad)).toBe('"a/bad\nname.jpg",,,,,Cannot decode jpeg: truncated\n');
  });

  test("writes one JSON object per line, with null for what a failed file lacks", () => {
    const jsonl = rowFormatter("jsonl", classNames);
    expect(jsonl.header()).toBe("");
    expect(JSON.parse(jsonl.row(ok))).toEqual({
      path: ok.path,
      label: "red",
      probability: 0.9,
      top_k: ok.topK,
      error: null,
    });
    const line = jsonl.row(bad);
    expect(line.indexOf("\n")).toBe(line.length - 1);
    expect(JSON.parse(line)).toMatchObject({ label: null, top_k: [], error: bad.error });
  });

  test("writes a table whose label column fits the longest class name", () => {
    const table = rowFormatter("table", ["cat", "hippopotamus"]);
    expect(table.header()).toMatch(/^label {9}probability {2}path {2}/);
    expect(table.row({ ...ok, label: "cat" })).toBe(
      `cat${" ".repeat(14)}0.900000  a/b 2, "quoted".jpg  red 0.900000, blue 0.062500\n`,
    );
    expect(table.row(bad)).toContain("error: Cannot decode jpeg: truncated");
  });
});

describe("readResumeState()", () => {
  let dir: string;
  beforeAll(async () => (dir = await Deno.makeTempDir({ prefix: "ferry-resume-" })));
  afterAll(() => Deno.remove(dir, { recursive: true }));

  test("reads the paths of complete CSV rows and stops before a cut-off one", async () => {
    const csv = rowFormatter("csv", classNames);
    const complete = csv.header() + csv.row(ok) + csv.row(bad);
    const file = join(dir, "out.csv");
    await Deno.writeTextFile(file, complete + '"a/cut off ro');
    const state = await readResumeState(file, "csv");
    expect([...state.done].map((p) => p.slice(p.indexOf("a/")))).toEqual([ok.path, bad.path]);
    expect(state.validLength).toBe(new TextEncoder().encode(complete).length);
  });

  test("reads JSON Lines, dropping a last line without its newline", async () => {
    const jsonl = rowFormatter("jsonl", classNames);
    const file = join(dir, "out.jsonl");
    await Deno.writeTextFile(file, jsonl.row(ok) + jsonl.row(bad).slice(0, 10));
    const state = await readResumeState(file, "jsonl");
    expect(state.done.size).toBe(1);
    expect(state.validLength).toBe(new TextEncoder().encode(jsonl.row(ok)).length);
  });

  test("starts from nothing without a file, and refuses a table or a foreign file", async () => {
    expect((await readResumeState(join(dir, "none.csv"), "csv")).done.size).toBe(0);
    await expect(readResumeState(join(dir, "none"), "table")).rejects.toThrow(FerryError);
    const other = join(dir, "other.csv");
    await Deno.writeTextFile(other, "name,score\nx,1\n");
    await expect(readResumeState(other, "csv")).rejects.toThrow(/not a ferry CSV output/);
  });
});
