/**
 * NiiVue example: load the sample T1, compute its entropy map with segentropy in the page, and
 * add it as an overlay (inferno, display range from niivueOverlay, adjustable opacity).
 */
import { Niivue, NVImage, SLICE_TYPE } from "@niivue/niivue";
import { init, readProbabilitiesFrom, readNiftiFrom, analyze, niivueOverlay } from "../../src/index.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const base = new URL("../sample/", location.href);

async function main(): Promise<void> {
  const nv = new Niivue({ backColor: [0, 0, 0, 1], show3Dcrosshair: true, isColorbar: true });
  await nv.attachToCanvas($<HTMLCanvasElement>("gl"));
  nv.setSliceType(SLICE_TYPE.MULTIPLANAR);
  await nv.loadVolumes([{ url: new URL("image.nii.gz", base).href, colormap: "gray" }]);

  $("status").textContent = "computing entropy…";
  await init();
  const [probs, image] = await Promise.all([fetch(new URL("probabilities.npz", base)), fetch(new URL("image.nii.gz", base))]);
  const analysis = analyze(await readProbabilitiesFrom(probs), { image: await readNiftiFrom(image) });
  const options = niivueOverlay(analysis, { opacity: Number($<HTMLInputElement>("opacity").value) });
  const overlay = await NVImage.loadFromUrl(options);
  nv.addVolume(overlay);
  // show the most uncertain axial slice
  const nz = analysis.dims[2]!;
  const k = analysis.summary.perSliceTotal.k.indexOf(Math.max(...analysis.summary.perSliceTotal.k));
  nv.scene.crosshairPos = [0.5, 0.5, (k + 0.5) / nz];
  nv.drawScene();

  $("range").textContent = `overlay range ${options.cal_min.toFixed(3)}–${options.cal_max.toFixed(3)} ${analysis.unit}`;
  $<HTMLInputElement>("opacity").addEventListener("input", (e) => {
    const v = Number((e.target as HTMLInputElement).value);
    nv.setOpacity(1, v);
    $("opacity-out").textContent = v.toFixed(2);
  });
  $("status").textContent = `entropy overlay: ${analysis.dims.join("×")} voxels, total ${analysis.summary.totalEntropy.toFixed(1)} ${analysis.unit}`;
  Object.assign(window, { __niivue: { nv, options: { ...options, buffer: undefined }, analysis: { dims: analysis.dims, total: analysis.summary.totalEntropy } }, __niivueReady: true });
}

main().catch((err: unknown) => {
  $("error").textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
  Object.assign(window, { __niivueError: String(err) });
});
