// A tiny language model over a short text, and optimizer checks against float64 references, shared by the
// training tests.

import * as assert from "uvu/assert";
import { LanguageModel, Optimizer, Vocabulary, type ParameterGroup } from "../../src/index.js";

export const TEXT = "the quick brown fox jumps over the lazy dog. ".repeat(40);

export function tinyModel(extra: Partial<ConstructorParameters<typeof LanguageModel>[0]> = {}): { lm: LanguageModel; vocab: Vocabulary; ids: Int32Array } {
  const vocab = Vocabulary.build(TEXT);
  const lm = new LanguageModel({ vocabSize: vocab.size, cell: "gru", hiddenSize: 24, embedSize: 8, seed: 3, ...extra });
  return { lm, vocab, ids: vocab.encode(TEXT) };
}

/** Puts a gradient into every group: g = sin(i + step) so steps differ. */
export function setGrads(groups: readonly ParameterGroup[], step: number): void {
  for (const g of groups) g.grads.view().forEach((_, i, a) => (a[i] = Math.sin(i * 0.37 + step)));
}

export type Ref = (p: number, g: number, s: Record<string, number>, t: number) => number;

/** Runs `steps` optimizer steps in wasm and the float64 reference per element; compares. */
export function checkOptimizer(options: ConstructorParameters<typeof Optimizer>[1], reference: Ref, steps = 4): void {
  const { lm } = tinyModel();
  const groups = lm.parameterGroups();
  const start = groups.map((g) => Float64Array.from(g.params.view()));
  const opt = new Optimizer(groups, options);
  const state = groups.map((g) => Array.from({ length: g.params.length }, () => ({}) as Record<string, number>));
  const expected = start.map((a) => Float64Array.from(a));
  for (let t = 1; t <= steps; t++) {
    setGrads(groups, t);
    groups.forEach((g, gi) => g.grads.view().forEach((gv, i) => (expected[gi][i] = reference(expected[gi][i], gv, state[gi][i], t))));
    opt.step();
  }
  groups.forEach((g, gi) => {
    const got = g.params.view();
    for (let i = 0; i < got.length; i++) {
      assert.ok(Math.abs(got[i] - expected[gi][i]) <= 1e-5 + 1e-4 * Math.abs(expected[gi][i]), `${options.name} ${g.name}[${i}]: ${got[i]} vs ${expected[gi][i]}`);
    }
  });
  opt.dispose();
  lm.dispose();
}
