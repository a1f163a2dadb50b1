/** What the core test knows about a shared case (plain data, importable in Node and Chromium). */
export const CASES_DIR = "test/fixtures/cases";

export interface CaseSpec {
  name: string;
  manifest: {
    semantics: { kind: string; regions_class_order?: number[] };
    files: Record<string, { path?: string; paths?: string[]; key?: string } | undefined>;
  };
}

export interface NodeReference extends CaseSpec {
  sha256: string;
  voxels: number;
  dims: number[];
  totalEntropy: number;
  maxEntropy: number;
}

export const KIND = { softmax: "softmax", logits: "logits", sigmoid_multilabel: "sigmoid", tissue_maps_missing_background_spm: "tissue" } as const;
