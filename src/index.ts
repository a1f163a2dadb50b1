/**
 * segentropy: per-voxel entropy (uncertainty) maps from segmentation class probabilities.
 * Browser-safe entry: no `node:` import is reachable from here. Data flow:
 * read (bytes -> ProbVolume) -> layout (planKernel) -> kernel (wasm, slabs) -> measures -> write/render.
 *
 * @example
 * await init();
 * const input = await readProbabilities(bytes, "case.npz");
 * const result = analyze(input, { image: parseNifti(imageBytes, "case_0000.nii") });
 * const nii = encodeNifti1Float32(result.map, result.geometry);
 */
export { SegentropyError, isSegentropyError } from "./errors.js";
export type { ErrorDetails } from "./errors.js";
export { VERSION } from "./version.js";
export { init, initSync, isInitialized, MAX_WASM_BYTES, memoryBytes, relaxedSimdSupported, usesRelaxedSimd, reset } from "./kernel/wasm.js";
export type { InitOptions } from "./kernel/wasm.js";
export { computeEntropySync, streamEntropy, volumeSource, unitScale, maxEntropy } from "./kernel/entropy.js";
export type { Kind, Unit, EntropyOptions, EntropyResult, KernelStats, SlabSource, SlabSink, RawSlabs } from "./kernel/entropy.js";
export { EntropyPool } from "./kernel/pool.js";
export type { PoolOptions, PoolWorker, PoolRequest, PoolReply } from "./kernel/pool.js";
export type { ProbVolume, Scaling, KernelPlan } from "./layout/volume.js";
export { planKernel, gridDims, classCount } from "./layout/volume.js";
export { stridesFor } from "./layout/strides.js";
export type { DType, RawArray } from "./layout/dtype.js";
export { parseCropBox, placeInGrid } from "./layout/crop.js";
export type { CropBox } from "./layout/crop.js";
export { readProbabilities, fromNpy, fromNifti, fromClassFiles, inflateIfGzip } from "./read/probabilities.js";
export type { ProbInput, InputInfo, ReadOptions, Format } from "./read/probabilities.js";
export { parseNifti, niftiVersion, defaultGeometry } from "./read/nifti.js";
export type { NiftiImage, Geometry } from "./read/nifti.js";
export { parseNpy, isNpy } from "./read/npy.js";
export type { NpyArray } from "./read/npy.js";
export { readNpz, readNpzAsync, npzKeys, isZip, inflateRawWithFflate, NPZ_MAX_BYTES } from "./read/npz.js";
export type { NpzMember, NpzOptions } from "./read/npz.js";
export { crc32 } from "./read/crc32.js";
export { isGzip, gunzipWithStreams, gzipWithStreams, inflateRawWithStreams, canInflateRawWithStreams } from "./read/gzip.js";
export type { Gunzip, InflateRaw } from "./read/gzip.js";
export { analyze, analyzeAsync } from "./analyze.js";
export type { Analysis, AnalyzeOptions, References, EntropyComputer } from "./analyze.js";
export { summarize } from "./measures/summary.js";
export type { Summary, LabelStats } from "./measures/summary.js";
export { checkSemantics } from "./measures/semantics.js";
export { buildReport, mostUncertainSlice, sliceWords } from "./measures/report.js";
export type { Report, MostUncertainSlice } from "./measures/report.js";
export { encodeNifti1Float32, encodeNifti1Header, nifti1Float32Parts } from "./write/nifti.js";
export type { NiftiWriteOptions } from "./write/nifti.js";
export { encodeNpyFloat32 } from "./write/npy.js";
export * from "./browser/index.js";
export * from "./render/index.js";
