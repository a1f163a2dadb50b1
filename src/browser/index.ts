/** Browser I/O and the one-call pipeline (web platform APIs only; also works in Node 20). */
export { toBytes, readBytes, sourceName, readProbabilitiesFrom, readNiftiFrom, readNpyFrom, encodeEntropyNiftiGz, entropyNiftiBlob, entropyNiftiOptions, downloadBlob } from "./io.js";
export type { BinarySource, ByteProgress, SourceOptions } from "./io.js";
export { classValuesAt, probabilitiesFor } from "./probe.js";
export { runPipeline } from "./pipeline.js";
export type { PipelineInputs, PipelineResult, PipelineProgress } from "./pipeline.js";
export { niivueOverlay, entropyDisplayRange } from "./niivue.js";
export type { NiivueOverlayOptions, NiivueVolumeOptions } from "./niivue.js";
export { createBrowserPool, canShareMemory, shareVolume } from "./pool.js";
export type { BrowserPoolOptions } from "./pool.js";
