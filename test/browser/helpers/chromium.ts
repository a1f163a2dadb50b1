/** Page-level tests: Debian's Chromium driven by playwright-core, and our static server. */
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import type { Server } from "node:http";
// @ts-expect-error plain .mjs script without types
import { serveStatic } from "../../../scripts/serve-static.mjs";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium-flags.js";

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export async function serve(root: string): Promise<{ server: Server; url: string }> {
  return serveStatic(root, 0) as Promise<{ server: Server; url: string }>;
}

/** Collects console errors and page errors, for assertions and for readable failures. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
  return errors;
}
