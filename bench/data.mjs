// Synthetic probability volumes for the benchmarks: mostly near one-hot voxels with spatially
// coherent labels, about 5% boundary voxels with mixed distributions. Deterministic (no Math.random).

/** xorshift32 in [0, 1). */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * Class-planar float32 volume (C planes of nx*ny*nz voxels, i fastest), in a SharedArrayBuffer
 * when `shared` (so that worker pools read it without copies).
 */
export function makePlanar(C, nx, ny, nz, { shared = true, boundary = 0.05, seed = 7 } = {}) {
  const N = nx * ny * nz;
  const buf = shared ? new SharedArrayBuffer(C * N * 4) : new ArrayBuffer(C * N * 4);
  const data = new Float32Array(buf);
  const r = rng(seed);
  const row = new Float32Array(C);
  // labels: coarse blocks of 16^3 with a hashed class, boundary voxels near block faces
  const bs = 16;
  const leaks = new Float32Array(4096);
  for (let i = 0; i < 4096; i++) leaks[i] = 10 ** (-7 + 4 * r() * r());
  for (let k = 0, v = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++, v++) {
        const bi = (i / bs) | 0, bj = (j / bs) | 0, bk = (k / bs) | 0;
        const label = ((bi * 73856093) ^ (bj * 19349663) ^ (bk * 83492791)) >>> 0;
        const l = label % C;
        const u = r();
        if (u < boundary) {
          // mixed: two or three classes share most of the mass
          let s = 0;
          for (let c = 0; c < C; c++) { row[c] = r() ** 4 * 0.05; s += row[c]; }
          row[l] += 0.3 + r(); s += 0;
          row[(l + 1) % C] += r();
          s = 0; for (let c = 0; c < C; c++) s += row[c];
          for (let c = 0; c < C; c++) data[c * N + v] = row[c] / s;
        } else {
          // near one-hot: small leak to the other classes (1e-7 .. 1e-3)
          let leak = 0;
          for (let c = 0; c < C; c++) {
            if (c === l) continue;
            const e = leaks[(r() * 4096) | 0];
            data[c * N + v] = e; leak += e;
          }
          data[l * N + v] = 1 - leak;
        }
      }
    }
  }
  return { data, C, dims: [nx, ny, nz], N };
}

/** The same values voxel-major (class fastest). */
export function toInterleaved({ data, C, N }, shared = true) {
  const buf = shared ? new SharedArrayBuffer(C * N * 4) : new ArrayBuffer(C * N * 4);
  const out = new Float32Array(buf);
  for (let c = 0; c < C; c++) {
    const base = c * N;
    for (let v = 0, o = c; v < N; v++, o += C) out[o] = data[base + v];
  }
  return out;
}

/** float32 -> float16 bits (round to nearest even), for the f16 kernel inputs. */
export function toFloat16(src, shared = true) {
  const out = new Uint16Array(shared ? new SharedArrayBuffer(src.length * 2) : new ArrayBuffer(src.length * 2));
  const f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    let e = ((x >>> 23) & 0xff) - 127 + 15;
    let m = x & 0x7fffff;
    let h;
    if (((x >>> 23) & 0xff) === 0xff) h = sign | 0x7c00 | (m ? 0x200 : 0);
    else if (e >= 31) h = sign | 0x7c00;
    else if (e <= 0) {
      if (e < -10) h = sign;
      else {
        m |= 0x800000;
        const shift = 14 - e;
        let hm = m >>> shift;
        const rem = m & ((1 << shift) - 1), half = 1 << (shift - 1);
        if (rem > half || (rem === half && (hm & 1))) hm++;
        h = sign | hm;
      }
    } else {
      let hm = m >>> 13;
      const rem = m & 0x1fff;
      let he = e;
      if (rem > 0x1000 || (rem === 0x1000 && (hm & 1))) { hm++; if (hm === 0x400) { hm = 0; he++; } }
      h = he >= 31 ? sign | 0x7c00 : sign | (he << 10) | hm;
    }
    out[i] = h;
  }
  return out;
}

/** float32 in [0, 1] -> uint8 with scale 1/255 (nnU-Net-style exports as in case s04). */
export function toUint8(src, shared = true) {
  const out = new Uint8Array(shared ? new SharedArrayBuffer(src.length) : new ArrayBuffer(src.length));
  for (let i = 0; i < src.length; i++) out[i] = Math.round(src[i] * 255);
  return out;
}
