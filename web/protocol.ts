/** Messages between the demo page and its Web Worker. */
import type { Kind, Report, Summary, Unit } from "../src/index.js";

export interface RunRequest {
  type: "run";
  id: number;
  probs: File[];
  image?: File;
  seg?: File;
  props?: File;
  kind?: Kind;
  unit?: Unit;
  /** .npy/.npz: the axis holding the classes (negative: from the end); absent: the library's default (0). */
  classAxis?: number;
}
/** Class values at a voxel of the map shown, i.e. of run `run` (the id of its RunRequest and ResultMessage). */
export interface ProbeRequest { type: "probe"; id: number; run: number; ijk: [number, number, number] }
export type Request = RunRequest | ProbeRequest;

export interface ResultMessage {
  type: "result";
  id: number;
  dims: number[];
  map: Float32Array;
  labels: Int32Array;
  labelSource: "segmentation" | "argmax" | "regions";
  /** Decoded (scaled) image on the grid, or null. */
  image: Float32Array | null;
  affine: number[][];
  summary: Summary;
  report: Report;
  niftiGz: Uint8Array;
  kind: Kind;
  unit: Unit;
  classes: number;
  maxPossibleEntropy: number;
  names: { probs: string; image?: string; seg?: string; props?: string };
  inputLine: string;
  /** The probability input's format (nifti-per-class: one 3-D file per class). */
  format: string;
  /** One 3-D file per class: the files' names in class order (class 0, 1, …); otherwise empty. */
  classFiles: string[];
  millis: number;
}
export interface ProgressMessage { type: "progress"; id: number; step: string; fraction: number }
export interface ErrorMessage { type: "error"; id: number; message: string; file?: string; field?: string; expected?: string; found?: string; hint?: string; known: boolean }
/** `run`: the run the values come from (the probe's), or null when the worker no longer holds that run (nothing to show). */
export interface ProbeMessage { type: "probe"; id: number; run: number | null; ijk: [number, number, number]; values: number[] | null; probabilities: number[] | null }
export type Reply = ResultMessage | ProgressMessage | ErrorMessage | ProbeMessage;
