import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

// Builds and runs the container image (`deno task test:container`, which skips where buildah is
// not installed); the default config excludes this folder.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/container/**/*_test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    maxWorkers: 1,
  },
});
