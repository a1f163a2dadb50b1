/**
 * Uncompressed .npy probability files read slab by slab from disk instead of whole: the process
 * holds only the map, whatever the file size (a 5 GB export streams like a 5 MB one), and each
 * pool worker reads its own slabs. Used when the layout maps straight onto the kernel (nnU-Net's
 * (C, z, y, x) in C order, or channel-last) and the bytes are little-endian.
 */
import { closeSync, fstatSync, readSync } from "node:fs";
import { openForReading } from "./files.js";
import { fail } from "../errors.js";
import { parseNpyHeader } from "../read/npy.js";
import { fromNpy } from "../read/probabilities.js";
import type { InputInfo } from "../read/probabilities.js";
import { planLayout, gridDims } from "../layout/volume.js";
import type { LayoutPlan, ProbVolume, Scaling, VolumeMeta } from "../layout/volume.js";
import type { FileDescriptor } from "../kernel/pool.js";
import type { SlabSource } from "../kernel/entropy.js";
import { completeSource, nativeDType } from "../kernel/entropy.js";
import { decodeInto } from "../kernel/decode.js";
import { BYTES_PER_ELEMENT, typedView } from "../layout/dtype.js";
import type { DType } from "../layout/dtype.js";
import { mayLeaveFloat32 } from "../layout/range64.js";


export interface NpyStream {
  info: InputInfo;
  volume: VolumeMeta;
  layout: LayoutPlan;
  dims: number[];
  /** What a worker needs to open the same file. */
  descriptor: FileDescriptor;
}

/** Reads the header of an .npy file; null when the file cannot be streamed (then read it whole). */
export function openNpyStream(path: string, options: { classAxis?: number; scale?: Scaling } = {}): NpyStream | null {
  const fd = openForReading(path);
  try {
    // openForReading refuses directories, devices, FIFOs and sockets: this is a regular file
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, 1 << 16));
    readFully(fd, head, 0, head.length, 0, path);
    const h = parseNpyHeader(head, path, size);
    if (!h.littleEndian) return null;
    const input = fromNpy({ ...h, data: new Uint8Array(0) }, path, options.classAxis ?? 0);
    const { data: _unused, ...meta } = input.volume;
    const volume: VolumeMeta = options.scale ? { ...meta, scale: options.scale } : meta;
    const layout = planLayout(volume);
    if (!layout) return null;
    const native = nativeDType(volume as ProbVolume);
    return {
      info: input.info, volume, layout, dims: gridDims(volume as ProbVolume),
      descriptor: {
        kind: "file", path, dataOffset: h.dataOffset, dtype: (native ?? "float32"), storedDType: h.dtype,
        classes: layout.classes, voxels: layout.voxels, interleaved: layout.layout === "interleaved",
        slope: volume.scale?.slope ?? 1, inter: volume.scale?.inter ?? 0, native: native !== null,
      },
    };
  } finally {
    closeSync(fd);
  }
}

/** A SlabSource that reads the slabs of an .npy file with positioned reads. Call close() after. */
export function fileSlabSource(d: FileDescriptor): SlabSource & { close(): void } {
  const fd = openForReading(d.path);
  const stored = d.storedDType as DType;
  const esz = BYTES_PER_ELEMENT[stored];
  const C = d.classes, N = d.voxels;
  const scale = d.slope === 1 && d.inter === 0 ? undefined : { slope: d.slope, inter: d.inter };
  let scratch = new Uint8Array(0);
  /** Reads voxels [v0, v0 + n) of class plane c (planar) or of all classes (interleaved) into dst. */
  const readInto = (dst: Uint8Array, dstOff: number, v0: number, n: number, c: number) => {
    const pos = d.interleaved ? d.dataOffset + v0 * C * esz : d.dataOffset + (c * N + v0) * esz;
    readFully(fd, dst, dstOff, d.interleaved ? n * C * esz : n * esz, pos, d.path);
  };
  const source: SlabSource & { close(): void } = {
    classes: C, voxels: N, interleaved: d.interleaved,
    fill(dst, v0, n, stride) {
      const planes = d.interleaved ? 1 : C;
      const count = d.interleaved ? n * C : n;
      for (let c = 0; c < planes; c++) {
        if (stored === "float32" && !scale) {
          readInto(new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength), c * stride * 4, v0, n, c);
          continue;
        }
        if (scratch.length < count * esz) scratch = new Uint8Array(count * esz);
        readInto(scratch, 0, v0, n, c);
        decodeInto(dst, c * stride, typedView(stored, scratch.buffer, 0, count), 0, count, stored, scale);
      }
    },
    close() { closeSync(fd); },
  };
  if (mayLeaveFloat32(stored, scale)) {
    // the values in float64, for those float32 cannot hold (refused by the kernel's caller)
    let scratch64 = new Uint8Array(0);
    const slope = d.slope, inter = d.inter, scaled = scale !== undefined;
    source.values64 = {
      name: d.path, scaled,
      fill(dst, v0, n, stride) {
        const planes = d.interleaved ? 1 : C;
        const count = d.interleaved ? n * C : n;
        if (scratch64.length < count * esz) scratch64 = new Uint8Array(count * esz);
        for (let c = 0; c < planes; c++) {
          readInto(scratch64, 0, v0, n, c);
          const src = typedView(stored, scratch64.buffer, 0, count);
          const at = c * stride;
          if (stored === "float16") {
            const f32 = new Float32Array(count);
            decodeInto(f32, 0, src, 0, count, stored);
            for (let i = 0; i < count; i++) dst[at + i] = f32[i]! * slope + inter;
          } else for (let i = 0; i < count; i++) dst[at + i] = src[i]! * slope + inter;
        }
      },
    };
  }
  if (d.native) {
    source.raw = {
      dtype: d.dtype, slope: d.slope, inter: d.inter,
      fill(dst, v0, n, stride) {
        if (d.interleaved) readInto(dst, 0, v0, n, 0);
        else for (let c = 0; c < C; c++) readInto(dst, c * stride * esz, v0, n, c);
      },
    };
  }
  // every fill reads all it is asked for, or fails (readFully): no zeroing needed before it
  return completeSource(source);
}

function readFully(fd: number, dst: Uint8Array, off: number, len: number, pos: number, path: string): void {
  let done = 0;
  while (done < len) {
    const got = readSync(fd, dst, off + done, len - done, pos + done);
    if (got <= 0) fail({ file: path, field: "data", expected: `${len} bytes at offset ${pos}`, found: `${done} bytes (the file is shorter than its header says)` });
    done += got;
  }
}
