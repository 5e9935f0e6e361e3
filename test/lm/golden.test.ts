// Every "lm" reference file computed by PyTorch (float64): a language model's loss, logits, final states and
// every gradient within |got − want| ≤ 1e-4 + 1e-3·|want|.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { LanguageModel } from "../../src/index.js";
import { initForTests } from "../helpers/setup.js";
import { goldenCases } from "../helpers/golden.js";
import { compareAll } from "../helpers/golden-compare.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const lmCases = goldenCases("lm");

test("the language-model fixtures are all there", () => {
  assert.ok(lmCases.length >= 3, `expected the lm fixtures, found ${lmCases.length}`);
});

for (const g of lmCases) {
  test(`golden ${g.name}`, () => {
    const c = g.config;
    const cell = g.cell === "lstm" ? "lstm" : g.cell === "gru" ? "gru" : "rnn";
    const lm = new LanguageModel({
      vocabSize: c.vocabSize!, cell, hiddenSize: c.hiddenSize, numLayers: c.numLayers, embedSize: c.embedSize,
      bidirectional: c.bidirectional, bias: c.bias,
      ...(cell === "rnn" ? { nonlinearity: g.cell === "rnn_relu" ? "relu" as const : "tanh" as const } : {}),
      ...(cell === "gru" ? { resetAfter: g.gruVariant !== "resetBefore" } : {}),
    });
    try {
      lm.loadTorchParams(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.data])));
      const fwd = lm.forward(g.tokens!.data, g.targets!.data, { seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data });
      const bwd = lm.backward();
      const checks: [string, ArrayLike<number> | undefined, number[]][] = [
        ["loss", [fwd.loss!], [g.loss!]],
        ["logits", fwd.logits, g.logits!.data],
        ["h_n", fwd.hN, g.h_n.data],
        ["h0 grad", bwd.dh0, g.grads.h0.data],
      ];
      if (g.c_n) checks.push(["c_n", fwd.cN, g.c_n.data], ["c0 grad", bwd.dc0, g.grads.c0.data]);
      for (const name of Object.keys(g.params)) checks.push([`${name} grad`, bwd.grads[name], g.grads[name].data]);
      compareAll(g.name, checks);
    } finally {
      lm.dispose();
    }
  });
}

test.run();
