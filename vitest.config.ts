import { defineConfig } from "vitest/config";

// Node project. The browser (Chromium) project is added in the browser work (see test/browser/).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**", "node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
