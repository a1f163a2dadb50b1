// End-to-end figures of the CLI (run by `npm run bench`, or alone: node bench/e2e.mjs [--quick]):
// 1. a 1 mm brain case as nnU-Net would write it (C=4 float32 .npz, 197x233x189, made from shared
//    case s04), with the time split into read/decompress, compute, compress, figures and write;
// 2. input (b) (C=8, 256^3 float32, 512 MiB) given as .npy and written as entropy.nii.gz, against
//    the numpy pipeline (np.load + reference code + nibabel save): wall time and peak RSS.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync, openSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zipSync } from "fflate";
import { makePlanar } from "./data.mjs";

// Peak RSS is read with getrusage, whose maximum a child inherits from its parent at fork on Linux:
// the inputs are therefore made by a child process, and this process stays small.
const quick = process.argv.includes("--quick");
const makeInto = process.argv.find((a) => a.startsWith("--make-inputs="))?.slice(14);
const root = new URL("..", import.meta.url).pathname;
const cliPath = join(root, "dist/cli/main.js");

function npyHeader(shape, descr = "<f4") {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}), }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const h = new Uint8Array(10 + header.length);
  h.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) h[10 + i] = header.charCodeAt(i);
  return h;
}

function runCli(args) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`segentropy failed: ${r.stderr}`);
  return wall;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Writes case.npz, case_0000.nii.gz and b.npy into dir; prints the 1 mm grid and sizes as JSON. */
async function makeInputs(dir) {
  const lib = await import(new URL("../dist/node/index.js", import.meta.url).href);
  await lib.init();
  const s04 = join(root, "test/fixtures/cases/s04_nifti4d_uint8_scaled_icbm2009a_1mm");
  const input = await lib.readProbabilitiesFile(join(s04, "probabilities.nii.gz"));
  const [nx, ny, nz] = input.info.shape;
  const N = nx * ny * nz;
  const u8 = input.volume.data, slope = input.volume.scale?.slope ?? 1;
  // four classes: the three tissue maps, the first split in two halves (still sums to 1)
  const f32 = new Float32Array(4 * N);
  for (let v = 0; v < N; v++) {
    const a = u8[v] * slope, b = u8[N + v] * slope, c = u8[2 * N + v] * slope;
    const s = a + b + c || 1;
    f32[v] = a / s / 2; f32[N + v] = a / s / 2; f32[2 * N + v] = b / s; f32[3 * N + v] = c / s;
  }
  const head = npyHeader([4, nz, ny, nx]);
  const body = new Uint8Array(f32.buffer);
  const member = new Uint8Array(head.length + body.length);
  member.set(head); member.set(body, head.length);
  writeFileSync(join(dir, "case.npz"), zipSync({ "probabilities.npy": [member, { level: 6 }] }));
  copyFileSync(join(s04, "image.nii.gz"), join(dir, "case_0000.nii.gz"));
  if (quick) { console.log(JSON.stringify({ grid: [nx, ny, nz], memberBytes: member.length, inBytes: 0, outBytes: 0 })); return; }
  const gen = makePlanar(8, 256, 256, 256, { shared: false });
  const fd = openSync(join(dir, "b.npy"), "w");
  writeSync(fd, npyHeader([8, 256, 256, 256]));
  writeSync(fd, new Uint8Array(gen.data.buffer));
  closeSync(fd);
  console.log(JSON.stringify({ grid: [nx, ny, nz], memberBytes: member.length, inBytes: gen.data.byteLength, outBytes: 256 ** 3 * 4 }));
}

if (makeInto) {
  await makeInputs(makeInto);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "segentropy-e2e-"));
const lines = [];
try {
  const made = spawnSync(process.execPath, [new URL(import.meta.url).pathname, `--make-inputs=${dir}`, ...(quick ? ["--quick"] : [])], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(made.stderr);
  const { grid: [nx, ny, nz], memberBytes, inBytes, outBytes } = JSON.parse(made.stdout.trim().split("\n").pop());
  const npzPath = join(dir, "case.npz");
  const runs = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const wall = runCli([npzPath, "--image", join(dir, "case_0000.nii.gz"), "--out", join(dir, "out1"), "--force", "--quiet"]);
    const t = JSON.parse(readFileSync(join(dir, "out1/stats.json"), "utf8")).timings;
    runs.push({ wall, ...t });
  }
  const m = (k) => median(runs.map((r) => r[k]));
  lines.push(`End to end, 1 mm case: C=4 float32 .npz ${nx}x${ny}x${nz} (${(memberBytes / 2 ** 20).toFixed(0)} MiB as float32), with --image, default outputs (entropy.nii.gz, stats.json, 6 PNG figures); median of ${runs.length} runs, ${runs[0].threads} thread(s)`);
  lines.push("");
  lines.push("| read + decompress | compute | compress (not hidden behind the figures) | figures | total (wall, incl. Node start) | peak RSS |");
  lines.push("| ---: | ---: | ---: | ---: | ---: | ---: |");
  lines.push(`| ${m("read").toFixed(2)} s | ${m("compute").toFixed(2)} s | ${m("compress").toFixed(2)} s | ${m("figures").toFixed(2)} s | ${m("wall").toFixed(2)} s | ${m("peakRssMiB")} MiB |`);
  lines.push("");

  if (quick) lines.push("(--quick: the input (b) comparison with the numpy pipeline runs in the full suite only)");
  else {
    // 2. input (b) as .npy against the numpy pipeline (full runs only: making 512 MiB takes a while)
    const bPath = join(dir, "b.npy");
    const ours = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const wall = runCli([bPath, "--out", join(dir, "outb"), "--force", "--quiet", "--no-png"]);
      const t = JSON.parse(readFileSync(join(dir, "outb/stats.json"), "utf8")).timings;
      ours.push({ wall, rss: t.peakRssMiB, threads: t.threads });
    }
    let np;
    const py = spawnSync("/usr/bin/python3", ["-c", "import numpy, nibabel"]);
    if (py.status === 0) {
      const res = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) {
        const t = performance.now();
        const r = spawnSync("/usr/bin/python3", [join(root, "bench/numpy_pipeline.py"), bPath, join(dir, "np.nii.gz")], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(r.stderr);
        const [, rss] = r.stdout.trim().split(" ").map(Number);
        res.push({ wall: (performance.now() - t) / 1000, rss });
      }
      np = { wall: median(res.map((r) => r.wall)), rss: median(res.map((r) => r.rss)) };
    }
    const ow = median(ours.map((r) => r.wall)), orss = median(ours.map((r) => r.rss));
    lines.push(`End to end, input (b): C=8 256^3 float32 .npy (${(inBytes / 2 ** 20).toFixed(0)} MiB) -> entropy.nii.gz + stats.json (--no-png); median of ${ours.length} runs; wall includes process start`);
    lines.push("");
    lines.push("| pipeline | wall | peak RSS | RSS / (input + output bytes) |");
    lines.push("| --- | ---: | ---: | ---: |");
    lines.push(`| segentropy CLI (${ours[0].threads} threads) | ${ow.toFixed(2)} s | ${orss} MiB | ${(orss * 2 ** 20 / (inBytes + outBytes)).toFixed(2)} |`);
    if (np) {
      lines.push(`| numpy pipeline (np.load + reference + nibabel save) | ${np.wall.toFixed(2)} s | ${np.rss} MiB | ${(np.rss * 2 ** 20 / (inBytes + outBytes)).toFixed(2)} |`);
      lines.push(`| **ratio** | **${(np.wall / ow).toFixed(1)}x faster** | **${(orss / np.rss).toFixed(2)}x the RSS** | |`);
    } else lines.push("| numpy pipeline | (python3 with numpy and nibabel not found: skipped) | | |");
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(lines.join("\n"));
