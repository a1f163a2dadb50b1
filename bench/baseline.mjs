// The plain-JS baseline: one loop per voxel, Math.log2, renormalised by the class sum.
export function jsEntropyPlanar(data, C, N, n, out) {
  for (let v = 0; v < n; v++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += data[c * N + v];
    let h = 0;
    if (s > 0) for (let c = 0; c < C; c++) { const p = data[c * N + v] / s; if (p > 0) h -= p * Math.log2(p); }
    out[v] = h;
  }
  return out;
}
export function jsEntropyInterleaved(data, C, n, out) {
  for (let v = 0, o = 0; v < n; v++, o += C) {
    let s = 0;
    for (let c = 0; c < C; c++) s += data[o + c];
    let h = 0;
    if (s > 0) for (let c = 0; c < C; c++) { const p = data[o + c] / s; if (p > 0) h -= p * Math.log2(p); }
    out[v] = h;
  }
  return out;
}
