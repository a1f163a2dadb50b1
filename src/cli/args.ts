/** Command-line parsing for `segentropy`: small and strict, every mistake is a usage error (exit 2). */
import { fail } from "../errors.js";
import type { Kind, Unit } from "../kernel/entropy.js";
import { MAX_THREADS } from "../kernel/pool.js";
import { refuseRegionsFor, refuseUnnormalizedFor } from "../measures/semantics.js";

export interface CliArgs {
  inputs: string[];
  image?: string;
  seg?: string;
  out: string;
  kind?: Kind;
  unit: Unit;
  key?: string;
  classAxis?: number;
  properties?: string;
  cropBbox?: string;
  regions?: number[];
  scale?: number;
  allowUnnormalized: boolean;
  npy: boolean;
  png: boolean;
  force: boolean;
  gzipLevel?: number;
  /** Worker threads for the kernel and gzip (1: none). Default: the available cores, at most 8. */
  threads?: number;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: segentropy PROBS [PROBS...] [options]

Per-voxel Shannon entropy (uncertainty) maps from segmentation class probabilities.

PROBS  nnU-Net .npz (v2 'probabilities' float32, v1 'softmax' float16), .npy,
       4-D/5-D NIfTI (.nii, .nii.gz), or several 3-D NIfTI files, one per class.

Options:
  --image FILE          image the probabilities belong to: output grid and geometry
                        (2-D .npy inputs: a 2-D .npy image, drawn in slice.png)
  --seg FILE            segmentation on the same grid: labels for the per-label stats
  --out DIR             output folder (default: segentropy-out)
  --kind KIND           softmax (default) | logits | sigmoid | tissue
  --units UNIT          bits (default) | nats | normalized
  --key NAME            .npz member (default: probabilities, softmax, logits)
  --class-axis N        class axis of .npy/.npz arrays (default 0, nnU-Net (C, z, y, x));
                        negative: counted from the last axis
  --properties FILE     nnU-Net properties as JSON (crop_bbox, regions_class_order)
  --crop-bbox BOX       nnU-Net v1 crop box: FILE (JSON with crop_bbox) or z0:z1,y0:y1,x0:x1
  --regions L,L,...     with --kind sigmoid: label painted by each channel, one per
                        channel (default 1..C)
  --scale S             multiply stored values by S (e.g. 1/255), replacing scl_slope
  --allow-unnormalized  renormalise softmax inputs whose class sums are far from 1
                        (softmax only; counts or votes stored as integers too)
  --npy                 also write entropy.npy, shaped (z, y, x) (nnU-Net's array
                        order: the grid axes reversed), or (row, col) for 2-D inputs
  --no-png              skip the PNG figures
  --gzip-level N        gzip level of entropy.nii.gz, 0-9 (default 1)
  --threads N           worker threads for large volumes (default: the cores, at most 8; 1 = none)
  --force               replace existing outputs, and remove the earlier run's outputs
                        (listed in its stats.json) that this run does not write
  --quiet               print nothing on success
  --help, --version

Exit codes: 0 success, 2 bad usage or input, 1 internal error, 130 / 143 stopped by SIGINT / SIGTERM.`;

/** Options that take a value, those whose value is a path, and those that take none. */
const VALUE_FLAGS = new Set(["--image", "--seg", "--out", "--kind", "--units", "--unit", "--key", "--class-axis", "--properties", "--crop-bbox", "--regions", "--scale", "--gzip-level", "--threads"]);
const PATH_FLAGS = new Map([["--image", "a file path"], ["--seg", "a file path"], ["--out", "a folder path"], ["--key", "an .npz member name"], ["--properties", "a file path"], ["--crop-bbox", "a file path or z0:z1,y0:y1,x0:x1"]]);
const FLAGS = new Set(["--help", "-h", "--version", "-v", "--allow-unnormalized", "--npy", "--no-png", "--force", "--quiet", "-q"]);

const KINDS: readonly Kind[] = ["softmax", "logits", "sigmoid", "tissue"];
const UNITS: readonly Unit[] = ["bits", "nats", "normalized"];

function usage(field: string, expected: string, found: string): never {
  fail({ file: "command line", field, expected, found, hint: "see segentropy --help" });
}

function parseNumber(flag: string, text: string): number {
  const m = /^\s*([-+0-9.eE]+)\s*(?:\/\s*([-+0-9.eE]+))?\s*$/.exec(text);
  const v = m ? (m[2] ? Number(m[1]) / Number(m[2]) : Number(m[1])) : NaN;
  if (!Number.isFinite(v)) usage(flag, "a number (or a fraction such as 1/255)", `'${text}'`);
  return v;
}

/** The widest class axis accepted on the command line: numpy arrays have at most 64 axes. */
const MAX_AXES = 64;

/**
 * The one parser of integer option values: decimal digits only (with a leading minus only where
 * `min` is negative), within [min, max]. Number() alone would take "" as 0, "0x2" as 2 and "1e1"
 * as 10.
 */
function parseInteger(flag: string, text: string, min: number, max: number, what = "an integer"): number {
  // spaces around a value (a quoted " 2", or "1, 2, 3" in --regions) are harmless: trimmed everywhere
  const t = text.trim();
  const n = (min < 0 ? /^-?[0-9]+$/ : /^[0-9]+$/).test(t) ? Number(t) : NaN;
  if (!(n >= min && n <= max)) usage(flag, `${what} from ${min} to ${max}`, JSON.stringify(text));
  return n === 0 ? 0 : n; // "-0" is 0
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const a: CliArgs = { inputs: [], out: "segentropy-out", unit: "bits", allowUnnormalized: false, npy: false, png: true, force: false, quiet: false, help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) { value = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    if (VALUE_FLAGS.has(arg) && value === undefined) {
      value = argv[++i];
      if (value === undefined) usage(arg, "a value", "nothing");
      // `--image --out DIR` (a forgotten value) would otherwise read "--out" as a file and DIR as
      // an input; a file really named like an option can still be given as --image=--out or ./--out
      if (VALUE_FLAGS.has(value) || FLAGS.has(value)) usage(arg, "a value", `the option '${value}'`);
    }
    // an empty path ("$UNSET") is never meant as "not given": --out "" would write into the
    // current folder, --seg "" would silently skip the per-label statistics
    const what = PATH_FLAGS.get(arg);
    if (what && value!.trim() === "") usage(arg, what, "''");
    switch (arg) {
      case "--help": case "-h": a.help = true; break;
      case "--version": case "-v": a.version = true; break;
      case "--image": a.image = value!; break;
      case "--seg": a.seg = value!; break;
      case "--out": a.out = value!; break;
      case "--kind":
        if (!KINDS.includes(value as Kind)) usage("--kind", KINDS.join(" | "), `'${value}'`);
        a.kind = value as Kind; break;
      case "--units": case "--unit":
        if (!UNITS.includes(value as Unit)) usage("--units", UNITS.join(" | "), `'${value}'`);
        a.unit = value as Unit; break;
      case "--key": a.key = value!; break;
      case "--class-axis":
        a.classAxis = parseInteger("--class-axis", value!, -MAX_AXES, MAX_AXES - 1, "an integer axis");
        break;
      case "--properties": a.properties = value!; break;
      case "--crop-bbox": a.cropBbox = value!; break;
      case "--regions": {
        const parts = value!.split(",").map((s) => s.trim());
        if (!parts.every((s) => /^-?[0-9]+$/.test(s))) usage("--regions", "comma-separated integer labels, e.g. 1,2,3", `'${value}'`);
        a.regions = parts.map((s) => parseInteger("--regions", s, -(2 ** 31), 2 ** 31 - 1, "integer labels"));
        break;
      }
      case "--scale":
        a.scale = parseNumber("--scale", value!);
        // a zero slope would zero every value (in a NIfTI header it means "no scaling")
        if (a.scale === 0) usage("--scale", "a non-zero number (or a fraction such as 1/255)", `'${value!}'`);
        break;
      case "--gzip-level": a.gzipLevel = parseInteger("--gzip-level", value!, 0, 9); break;
      case "--threads": a.threads = parseInteger("--threads", value!, 1, MAX_THREADS); break;
      case "--allow-unnormalized": a.allowUnnormalized = true; break;
      case "--npy": a.npy = true; break;
      case "--no-png": a.png = false; break;
      case "--force": a.force = true; break;
      case "--quiet": case "-q": a.quiet = true; break;
      default:
        if (arg.startsWith("-") && arg !== "-") usage(arg, "a known option", `'${arg}'`);
        // "" (an unset shell variable) is no file name: say so rather than "no such file" for ''
        if (arg.trim() === "") usage("PROBS", "a file path", arg === "" ? "an empty string" : `only spaces '${arg}'`);
        a.inputs.push(arg);
    }
  }
  // --regions only means something for sigmoid channels. Without --kind, the kind is sigmoid only when
  // --properties is given (nnU-Net region models); the count is checked once the input is read.
  if (a.regions && !a.help && !a.version) {
    if (a.kind && a.kind !== "sigmoid") refuseRegionsFor(a.kind);
    if (!a.kind && !a.properties) refuseRegionsFor("softmax", true);
  }
  // --allow-unnormalized only changes softmax; a kind detected from the input is checked by analyze
  if (a.allowUnnormalized && a.kind && a.kind !== "softmax" && !a.help && !a.version) refuseUnnormalizedFor(a.kind);
  return a;
}
