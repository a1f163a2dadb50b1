/** Debian's Chromium (installed by .ci/run); nothing here ever downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
  // WebGL2 (NiiVue) in software, since there is no GPU
  "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
];
