import { describe, expect, test } from "vitest";
import { importCircles, srcImports } from "./_fixtures/module_graph.ts";

/** A file's room: its folder, where a private sub-folder (`export/_layers/`) belongs to its parent. */
const roomOf = (file: string) =>
  file.split("/").slice(0, -1).filter((_part, i, parts) =>
    !parts.slice(0, i + 1).some((p) => p.startsWith("_"))
  ).join("/");

describe("src/'s module graph", () => {
  test("has no import circle between files", async () => {
    expect(importCircles(await srcImports())).toEqual([]);
  });

  test("has arrows between rooms that point one way (no circle through rooms either)", async () => {
    const rooms = new Map<string, Set<string>>();
    for (const [file, targets] of await srcImports()) {
      for (const target of targets) {
        if (roomOf(target) === roomOf(file)) continue;
        rooms.set(roomOf(file), (rooms.get(roomOf(file)) ?? new Set()).add(roomOf(target)));
      }
    }
    const graph = new Map([...rooms].map(([room, targets]) => [room, [...targets]]));
    expect(importCircles(graph)).toEqual([]);
  });

  test("reaches another folder only through its mod.ts door", async () => {
    const bypasses: string[] = [];
    for (const [file, targets] of await srcImports()) {
      for (const target of targets) {
        const room = roomOf(target);
        const door = target === (room === "" ? target : `${room}/mod.ts`);
        if (room !== roomOf(file) && !door) bypasses.push(`${file} → ${target}`);
      }
    }
    expect(bypasses).toEqual([]);
  });

  test("importCircles() finds a circle of three files and ignores a chain", () => {
    const graph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts", "d.ts"]],
      ["d.ts", []],
    ]);
    expect(importCircles(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
  });
});
