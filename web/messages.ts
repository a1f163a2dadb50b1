/**
 * The library's messages speak to CLI users ("pass --kind tissue", "choose one with --key"). On the
 * page they are rewritten to what the page offers (the kind menu, the properties file) and hints the
 * page cannot act on are dropped. Pure functions: no DOM.
 */
import type { Kind } from "../src/index.js";

/** The kind menu's labels (index.html's <select id="kind">). */
export const KIND_LABEL: Record<Kind, string> = { softmax: "softmax", logits: "logits", sigmoid: "sigmoid (regions)", tissue: "tissue maps (SPM)" };

const isKind = (k: string): k is Kind => k in KIND_LABEL;

/** Flag names inside a field, expected or found text, as the page names them. */
export function pageWords(text: string): string {
  return text
    .replace(/--kind (\w+)/g, (m, k: string) => (isKind(k) ? `kind '${KIND_LABEL[k]}'` : m))
    .replace(/an --image or --seg\b/g, "an image or a segmentation")
    .replace(/--image\b/g, "image").replace(/--seg\b/g, "segmentation")
    .replace(/--crop-bbox\b/g, "crop box").replace(/--properties\b/g, "nnU-Net properties")
    .replace(/--class-axis\b/g, "class axis").replace(/--key\b/g, ".npz array name").replace(/--scale\b/g, "scale factor")
    .replace(/--([a-z][a-z-]*)/g, "$1");
}

export interface PageHint {
  /** The hint in the page's words, or "" when nothing is left the page can act on. */
  text: string;
  /** A kind the hint suggests: the page offers a button that switches to it. */
  kind?: Kind;
  /** The hint asks for the nnU-Net properties file. */
  properties?: boolean;
  /** A class axis the hint suggests (-1: the last axis): the page offers a button that sets it and reruns. */
  classAxis?: number;
}

/** Rewrites a library hint ("…: pass --kind tissue; to renormalise anyway, pass --allow-unnormalized"). */
export function pageHint(hint: string | undefined): PageHint {
  const out: PageHint = { text: "" };
  if (!hint) return out;
  const kept: string[] = [];
  for (let clause of hint.split(/;\s*/)) {
    // the page has no switch for these: drop them
    if (/--allow-unnormalized|--force|--help|--key\b/.test(clause)) continue;
    clause = clause.replace(/pass --kind (\w+)( for softmax logits)?/g, (m, k: string, softmax?: string) => {
      if (!isKind(k)) return m;
      out.kind ??= k;
      return `choose '${KIND_LABEL[k]}' under kind${softmax ? " if they are softmax logits" : ""}`;
    });
    clause = clause.replace(/pass --crop-bbox or --properties/g, () => {
      out.properties = true;
      return "add the case's nnU-Net properties file (.json) under nnU-Net properties";
    });
    // the class axis menu: "… on axis 0: pass --class-axis 3 if its 3 entries are the classes"
    clause = clause.replace(/pass --class-axis (-?\d+) if its (\d+) entries are the classes/g, (_m, axis: string, n: string) => {
      out.classAxis ??= Number(axis);
      return `if its ${n} entries are the classes, choose ${axis} under class axis`;
    });
    clause = clause.replace(/pass --class-axis N for an array with its classes on axis N/g, () => {
      out.classAxis ??= -1;
      return "choose the axis that holds the classes under class axis (channel-last arrays: the last axis)";
    });
    clause = clause.replace(/\bpass all the files\b/g, "choose all the class files together");
    // a segmentation that holds intensities: the file list's role menu moves it
    clause = clause.replace(/pass it as --image\b/g, "set its role to image in the file list above");
    clause = clause.replace(/^--seg takes a label map$/, "a segmentation holds integer labels");
    if (/(^|\s)--[a-z]/.test(clause)) {
      // any other flag: keep the diagnosis before the colon ("integer values without scl_slope"), drop the flag
      const colon = clause.indexOf(":");
      const before = colon > 0 ? clause.slice(0, colon).trim() : "";
      if (before && !/--[a-z]/.test(before)) kept.push(before);
      continue;
    }
    if (clause.trim()) kept.push(clause.trim());
  }
  out.text = kept.join("; ");
  return out;
}

/**
 * Where the map's place in space came from, for the input line: `geometrySource` is the library's
 * (stats.json grid.geometrySource: the file whose header gave it, or "none (…)"). A .npy image
 * (beside 2-D .npy probabilities) is only displayed: it carries no geometry, so it is named as such.
 */
export function geometryWords(geometrySource: string, image?: string): string {
  if (!geometrySource.startsWith("none")) return `geometry from ${geometrySource}`;
  return `no geometry (1 mm voxels, no transform)${image ? `: ${image} is only shown, a .npy holds none` : ""}`;
}
