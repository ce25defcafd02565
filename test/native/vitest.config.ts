import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Tests that need the native TensorFlow backend (`deno task setup:native`); the default
// config excludes this folder so `deno task test` passes on machines without it.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/native/**/*_test.ts"],
    testTimeout: 120_000,
    maxWorkers: 2,
  },
});
