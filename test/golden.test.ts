// Every reference file computed by PyTorch (float64), "layer" and "lm": forward results and all gradients within
// |got − want| ≤ 1e-4 + 1e-3·|want|. Prints each file's worst error as a fraction of that tolerance.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { LanguageModel } from "../src/index.js";
import { initForTests } from "./helpers/setup.js";
import { goldenCases, makeLayer, torchParams, worstRatio } from "./helpers/golden.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
const build = await initForTests();
console.log(`  wasm build: ${build}`);

const cases = goldenCases("layer");

test("the fixtures are all there", () => {
  assert.ok(cases.length >= 20, `expected the layer fixtures, found ${cases.length}`);
});

for (const g of cases) {
  test(`golden ${g.name}`, () => {
    const layer = makeLayer(g);
    try {
      layer.loadTorchParams(torchParams(g));
      const fwd = layer.forward(g.x!.data, {
        seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data, lengths: g.lengths ?? undefined,
      });
      const bwd = layer.backward({ dOutput: g.dOutput!.data, dhN: g.dh_n!.data, dcN: g.dc_n?.data });
      const checks: [string, ArrayLike<number> | undefined, number[]][] = [
        ["output", fwd.output, g.output!.data],
        ["h_n", fwd.hN, g.h_n.data],
        ["x grad", bwd.dx, g.grads.x.data],
        ["h0 grad", bwd.dh0, g.grads.h0.data],
      ];
      if (g.c_n) checks.push(["c_n", fwd.cN, g.c_n.data], ["c0 grad", bwd.dc0, g.grads.c0.data]);
      for (const name of Object.keys(g.params)) checks.push([`${name} grad`, bwd.grads[name], g.grads[name].data]);
      compareAll(g.name, checks);
    } finally {
      layer.dispose();
    }
  });
}

/** Checks named results against the reference, prints the worst ratio, fails above the tolerance. */
function compareAll(name: string, checks: [string, ArrayLike<number> | undefined, number[]][]): void {
  let worst = 0, worstName = "";
  for (const [what, got, want] of checks) {
    assert.ok(got, `${what} missing`);
    const { ratio, index } = worstRatio(got!, want);
    if (ratio > worst) { worst = ratio; worstName = what; }
    assert.ok(ratio <= 1, `${name}: ${what}[${index}] = ${got![index]}, PyTorch ${want[index]} (${ratio.toFixed(2)}× tolerance)`);
  }
  console.log(`  ${name.padEnd(40)} worst ${(worst * 100).toFixed(3)}% of tolerance (${worstName})`);
}

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
