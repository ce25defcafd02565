import { defineConfig } from "vitest/config";

// The browser suite runs on its own (`deno task test:browser`), so that the README's test
// command needs no browser; CI installs Debian's chromium first.
export default defineConfig({
  test: {
    include: ["test/browser/**/*_test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
