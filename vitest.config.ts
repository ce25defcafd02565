import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*_test.ts"],
    // test/native/ needs the native TensorFlow backend: `deno task test:native` runs it, and
    // test/chaos/ loads real processes: `deno task test:chaos`.
    exclude: ["test/browser/**", "test/interop/**", "test/native/**", "test/chaos/**"],
    testTimeout: 60_000,
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
  },
});
