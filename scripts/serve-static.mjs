#!/usr/bin/env node
// A tiny static file server for the demo and the page tests: correct MIME types (application/wasm,
// .gz served as bytes, never with Content-Encoding), no caching, and COOP/COEP headers so the page
// is cross-origin isolated (SharedArrayBuffer available). Usage: node scripts/serve-static.mjs DIR [PORT]
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
  const [root = "web-dist", port = "8080"] = process.argv.slice(2);
  const { url } = await serveStatic(root, Number(port));
  console.log(`serving ${resolve(root)} at ${url}  (Ctrl-C to stop)`);
}
