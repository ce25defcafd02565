import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*_test.ts"],
    // test/native/ needs the native TensorFlow backend (`deno task test:native`), test/container/
    // buildah (`deno task test:container`), and test/chaos/ loads real processes
    // (`deno task test:chaos`).
    exclude: [
      "test/browser/**",
      "test/chaos/**",
      "test/container/**",
      "test/interop/**",
      "test/native/**",
    ],
    testTimeout: 60_000,
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
  },
});
