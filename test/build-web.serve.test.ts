/**
 * `npm run demo:web` (scripts/build-web.mjs OUTDIR --serve [PORT]) with its port held by another
 * server: it stops before touching OUTDIR (a previous build stays byte for byte), says so on one line
 * that names the port and how to choose another, and prints no stack trace. The port comes from
 * --serve PORT, --port PORT or the PORT environment variable. With a free port (0: any) it builds
 * and serves.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(".");
const SCRIPT = join(ROOT, "scripts", "build-web.mjs");
const made: string[] = [];
afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

/** A folder laid out as a previous demo build (the marker the script writes, and some files). */
function previousBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "segentropy-web-serve-"));
  made.push(dir);
  writeFileSync(join(dir, ".segentropy-demo-build"), "previous build\n");
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>previous</title>\n");
  mkdirSync(join(dir, "sample"));
  writeFileSync(join(dir, "sample", "probabilities.npz"), "previous sample\n");
  return dir;
}

function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const f of readdirSync(join(dir, rel)).sort()) {
      const r = join(rel, f);
      if (statSync(join(dir, r)).isDirectory()) walk(r); else out[r] = readFileSync(join(dir, r), "utf8");
    }
  };
  walk("");
  return out;
}

/** Holds a port on 127.0.0.1 (where the demo server listens). */
function holdPort(): Promise<{ server: Server; port: number }> {
  return new Promise((ok, bad) => {
    const server = createServer();
    server.once("error", bad);
    server.listen(0, "127.0.0.1", () => ok({ server, port: (server.address() as { port: number }).port }));
  });
}

interface Run { code: number | null; stdout: string; stderr: string }
function runScript(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
  child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  return new Promise((ok, bad) => { child.on("error", bad); child.on("close", (code) => ok({ code, stdout, stderr })); });
}

function expectOneLineRefusal(r: Run, port: number): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.code).not.toBeNull();
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^build-web: port ${port} is already in use: choose another port, e\\.g\\. .*${port + 1}`));
  expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace
  expect(r.stderr).not.toContain("EADDRINUSE:");
  expect(r.stdout).toBe("");
}

describe("build-web --serve with its port in use", () => {
  const ways: Array<[string, (out: string, port: number) => Promise<Run>]> = [
    ["--serve PORT", (out, port) => runScript([out, "--serve", String(port)])],
    ["--port PORT", (out, port) => runScript([out, "--port", String(port)])],
    ["PORT in the environment (npm run demo:web's form: --serve without a port)", (out, port) => runScript([out, "--serve"], { PORT: String(port) })],
  ];
  for (const [how, go] of ways) {
    it(`${how}: exits non-zero with one line naming the port, the previous build untouched`, async () => {
      const out = previousBuild();
      const before = contents(out);
      const held = await holdPort();
      try {
        const r = await go(out, held.port);
        expectOneLineRefusal(r, held.port);
        expect(r.stderr).toContain(`nothing was built, ${out} is unchanged`);
        expect(contents(out)).toEqual(before);
      } finally { held.server.close(); }
    });
  }

  it("scripts/serve-static.mjs DIR PORT: the same one line, no stack trace", async () => {
    const out = previousBuild();
    const held = await holdPort();
    try {
      const child = spawn(process.execPath, [join(ROOT, "scripts", "serve-static.mjs"), out, String(held.port)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "", stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
      child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
      const code = await new Promise<number | null>((ok) => child.on("close", ok));
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toBe(`serve-static: port ${held.port} is already in use: choose another port, e.g. node scripts/serve-static.mjs ${out} ${held.port + 1} (0: any free port)\n`);
    } finally { held.server.close(); }
  });

  it("a port that is no number: one line, nothing touched", async () => {
    const out = previousBuild();
    const before = contents(out);
    const r = await runScript([out, "--serve"], { PORT: "http" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('build-web: "http" is no port number: give one from 0 to 65535 (--serve PORT, --port PORT or the PORT environment variable; 0: any free port)\n');
    expect(contents(out)).toEqual(before);
  });

  it("package.json's demo:web leaves the port to PORT (default 8080)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["demo:web"]).toBe("node scripts/build-web.mjs web-dist --serve");
  });

  it("with a free port (0: any) it builds into the folder and serves it", async () => {
    const out = previousBuild();
    const child = spawn(process.execPath, [SCRIPT, out, "--serve", "0"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    try {
      const url = await new Promise<string>((ok, bad) => {
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
          stdout += d;
          const m = /demo: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
          if (m) ok(m[1]!);
        });
        child.on("exit", (code) => bad(new Error(`exited ${code}: ${stderr}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(readFileSync(join(ROOT, "web", "index.html"), "utf8"));
      expect(readdirSync(out)).toContain("worker.js");
    } finally { child.kill("SIGTERM"); }
  }, 120_000);
});
