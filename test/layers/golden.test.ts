// Every "layer" reference file computed by PyTorch (float64): forward results and all gradients of RNN, GRU
// and LSTM layers within |got − want| ≤ 1e-4 + 1e-3·|want|. Prints each file's worst error as a fraction of
// that tolerance.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { initForTests } from "../helpers/setup.js";
import { goldenCases, makeLayer, torchParams } from "../helpers/golden.js";
import { compareAll } from "../helpers/golden-compare.js";

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

test.run();
