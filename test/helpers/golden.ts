// Reading the PyTorch reference files of test/fixtures/golden (format: that folder's README.md).

import { readFileSync, readdirSync } from "node:fs";
import { RNN, GRU, LSTM, type RecurrentLayer } from "../../src/index.js";

export interface Tensor {
  shape: number[];
  data: number[];
}

export interface GoldenCase {
  name: string;
  kind: "layer" | "lm";
  cell: "rnn_tanh" | "rnn_relu" | "gru" | "lstm";
  gruVariant?: "resetAfter" | "resetBefore";
  config: {
    inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; bias: boolean;
    batchFirst: boolean; vocabSize?: number; embedSize?: number;
  };
  seqLen: number;
  batch: number;
  lengths: number[] | null;
  params: Record<string, Tensor>;
  x?: Tensor;
  tokens?: Tensor;
  targets?: Tensor;
  h0: Tensor;
  c0?: Tensor;
  output?: Tensor;
  logits?: Tensor;
  loss?: number;
  h_n: Tensor;
  c_n?: Tensor;
  dOutput?: Tensor;
  dh_n?: Tensor;
  dc_n?: Tensor;
  grads: Record<string, Tensor>;
}

export const GOLDEN_DIR = new URL("../../../test/fixtures/golden/", import.meta.url);

export function goldenCases(kind?: "layer" | "lm"): GoldenCase[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, GOLDEN_DIR), "utf8")) as GoldenCase)
    .filter((c) => kind === undefined || c.kind === kind);
}

/** Worst |got − want| / (atol + rtol·|want|) over all elements: ≤ 1 passes. */
export function worstRatio(got: ArrayLike<number>, want: ArrayLike<number>, atol = 1e-4, rtol = 1e-3): { ratio: number; index: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} ≠ expected ${want.length}`);
  let ratio = 0, index = -1;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
    if (Number.isNaN(r)) return { ratio: Infinity, index: i };
    if (r > ratio) { ratio = r; index = i; }
  }
  return { ratio, index };
}

/** The layer a "layer" file describes (weights still to load). */
export function makeLayer(g: GoldenCase): RecurrentLayer {
  const { inputSize, hiddenSize, numLayers, bidirectional, bias } = g.config;
  const common = { inputSize, hiddenSize, numLayers, bidirectional, bias };
  switch (g.cell) {
    case "rnn_tanh": return new RNN({ ...common, nonlinearity: "tanh" });
    case "rnn_relu": return new RNN({ ...common, nonlinearity: "relu" });
    case "gru": return new GRU({ ...common, resetAfter: g.gruVariant !== "resetBefore" });
    case "lstm": return new LSTM(common);
  }
}

/** The file's parameters under PyTorch's names (those under `prefix`, with it removed). */
export function torchParams(g: GoldenCase, prefix = ""): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(g.params)) {
    if (name.startsWith(prefix)) out[name.slice(prefix.length)] = t.data;
  }
  return out;
}
