import { defineConfig } from "vitest/config";

// The chaos suite runs on its own (`deno task test:chaos`): each case starts real `ferry serve`
// or `ferry classify` processes and loads them, which would skew the unit suite's timings.
export default defineConfig({
  test: {
    include: ["test/chaos/**/*_test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // One case at a time: each measures a process under load, and the machine has two cores.
    fileParallelism: false,
    maxWorkers: 1,
  },
});
