import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";

import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./test/browser/helpers/chromium-flags.js";

const isolation = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        // Node: every test outside test/browser, plus the shared core test (*.both.test.ts)
        test: {
          name: "node",
          environment: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/browser/**", "node_modules/**"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // the core test again in Node (same file as in Chromium), against the zlib/fs reference path
        test: {
          name: "node-core",
          environment: "node",
          include: ["test/browser/**/*.both.test.ts"],
          globalSetup: ["test/browser/setup/node-reference.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // real headless Chromium through vitest's browser mode
        server: { headers: isolation },
        // pre-bundle the dependencies up front: a mid-run re-optimisation would reload the page
        optimizeDeps: { include: ["fflate", "nifti-reader-js"] },
        test: {
          name: "chromium",
          include: ["test/browser/**/*.both.test.ts", "test/browser/**/*.browser.test.ts"],
          globalSetup: ["test/browser/setup/node-reference.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: "chromium" }],
            provider: playwright({ launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS } }),
          },
        },
      },
      {
        // page-level tests: Node drives Chromium (playwright-core) against the built demo and bundles
        test: {
          name: "pages",
          environment: "node",
          include: ["test/browser/**/*.page.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
