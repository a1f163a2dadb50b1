#!/usr/bin/env node
// A tiny static file server for the demo and the page tests: correct MIME types (application/wasm,
// .gz served as bytes, never with Content-Encoding), no caching, and COOP/COEP headers so the page
// is cross-origin isolated (SharedArrayBuffer available). Usage: node scripts/serve-static.mjs DIR [PORT]
// (PORT defaults to the PORT environment variable, else 8080).
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".map": "application/json", ".wasm": "application/wasm",
  ".png": "image/png", ".svg": "image/svg+xml", ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8",
  ".gz": "application/gzip", ".nii": "application/octet-stream", ".npz": "application/zip", ".npy": "application/octet-stream",
};

/** The port `text` names (0 to 65535; 0: any free port), or undefined when it is no port number. */
export function parsePort(text) {
  const s = String(text).trim();
  return /^\d{1,5}$/.test(s) && Number(s) <= 65535 ? Number(s) : undefined;
}

/**
 * One line saying why the server could not listen on `port` (in use, not allowed, ...) and how to
 * choose another: `how(p)` is the command that serves on port p.
 */
export function listenFailure(err, port, how) {
  const code = err && typeof err === "object" && "code" in err ? err.code : undefined;
  const other = port === 8080 ? 8081 : port === 65535 ? 8080 : port + 1;
  const why = code === "EADDRINUSE" ? `port ${port} is already in use` : code === "EACCES" ? `port ${port} is not allowed for this user` : `cannot listen on port ${port} (${code ?? (err instanceof Error ? err.message : String(err))})`;
  return `${why}: choose another port, e.g. ${how(other)} (0: any free port)`;
}

/** Serves `root` on 127.0.0.1:`port` (0: any free port). Resolves to { server, url }. */
export function serveStatic(root, port = 0, host = "127.0.0.1") {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
    };
    let path;
    try { path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname); } catch { res.writeHead(400, headers).end("bad request"); return; }
    let file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) { res.writeHead(403, headers).end("forbidden"); return; }
    let st;
    try { st = statSync(file); if (st.isDirectory()) { file = join(file, "index.html"); st = statSync(file); } } catch { res.writeHead(404, { ...headers, "Content-Type": "text/plain" }).end(`not found: ${path}`); return; }
    if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, headers).end(); return; }
    res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream", "Content-Length": st.size });
    if (req.method === "HEAD") { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, bad) => {
    server.once("error", bad);
    server.listen(port, host, () => ok({ server, url: `http://${host}:${server.address().port}/` }));
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [root = "web-dist", portText = process.env.PORT ?? "8080"] = process.argv.slice(2);
  const port = parsePort(portText);
  if (port === undefined) {
    console.error(`serve-static: ${JSON.stringify(portText)} is no port number: give one from 0 to 65535 (0: any free port)`);
    process.exit(2);
  }
  try {
    const { url } = await serveStatic(root, port);
    console.log(`serving ${resolve(root)} at ${url}  (Ctrl-C to stop)`);
  } catch (err) {
    console.error(`serve-static: ${listenFailure(err, port, (p) => `node scripts/serve-static.mjs ${root} ${p}`)}`);
    process.exit(1);
  }
}
