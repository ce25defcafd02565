import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*_test.ts"],
    // test/native/ needs the native TensorFlow backend: `deno task test:native` runs it;
    // test/container/ needs buildah: `deno task test:container`.
    exclude: ["test/browser/**", "test/container/**", "test/interop/**", "test/native/**"],
    testTimeout: 60_000,
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
  },
});
