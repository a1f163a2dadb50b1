// A tiny app as a user writes it: import the package by name, bundle it with esbuild, run it.
import { init, readProbabilitiesFrom, readNiftiFrom, analyze, entropyNiftiBlob, VERSION } from "segentropy";

async function main(): Promise<void> {
  await init();
  const [probs, image] = await Promise.all([fetch("sample/probabilities.npz"), fetch("sample/image.nii.gz")]);
  const input = await readProbabilitiesFrom(probs);
  const a = analyze(input, { image: await readNiftiFrom(image) });
  const blob = await entropyNiftiBlob(a);
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(a.map.buffer, a.map.byteOffset, a.map.byteLength));
  const out = { version: VERSION, dims: a.dims, total: a.summary.totalEntropy, blobBytes: blob.size, sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("") };
  (window as unknown as { __result: unknown }).__result = out;
  document.body.textContent = JSON.stringify(out);
}
main().catch((e: unknown) => { (window as unknown as { __result: unknown }).__result = { error: String(e) }; });
