// Bad input: every error names what was expected and what was given, and leaves the layer as it was.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, RNN, GRU, LSTM } from "../../src/index.js";
import { throwsWith } from "../helpers/errors.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

test("constructor options: missing, zero, fractional, unknown and mistyped values", () => {
  throwsWith(() => new LSTM({} as never), TypeError, /inputSize and hiddenSize are required/);
  throwsWith(() => new LSTM({ inputSize: 0, hiddenSize: 4 }), RangeError, /inputSize/, /integer in \[1,/, /got 0/);
  throwsWith(() => new GRU({ inputSize: 3, hiddenSize: 2.5 }), RangeError, /hiddenSize/, /got 2\.5/);
  throwsWith(() => new RNN({ inputSize: 3, hiddenSize: 4, numLayers: -1 }), RangeError, /numLayers/, /got -1/);
  throwsWith(() => new LSTM({ inputSize: 3, hiddenSize: 4, hidden: 5 } as never), TypeError, /unknown option "hidden"/, /hiddenSize/);
  throwsWith(() => new LSTM({ inputSize: 3, hiddenSize: 4, nonlinearity: "relu" } as never), TypeError, /unknown option "nonlinearity"/);
  throwsWith(() => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: "sigmoid" as never }), TypeError, /"tanh" or "relu"/, /"sigmoid"/);
  throwsWith(() => new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: "yes" as never }), TypeError, /bidirectional must be true or false/, /"yes"/);
  throwsWith(() => new GRU({ inputSize: 3, hiddenSize: 4, seed: -3 }), RangeError, /seed/, /got -3/);
  throwsWith(() => new GRU(null as never), TypeError, /options object/, /got null/);
});

/** A layer plus a reference forward result, to check that failed calls change nothing. */
function fixture() {
  const layer = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 });
  const x = new Float32Array(5 * 2 * 3).map((_, i) => Math.sin(i));
  const opts = { seqLen: 5, batch: 2 };
  const params = layer.torchParams();
  const out = layer.forward(x, opts);
  const unchanged = () => {
    assert.equal(layer.torchParams(), params, "parameters unchanged");
    assert.equal(layer.forward(x, opts), out, "forward unchanged");
  };
  return { layer, x, opts, unchanged };
}

test("forward: wrong-sized or mistyped arrays, sizes, lengths and options", () => {
  const { layer, x, opts, unchanged } = fixture();
  throwsWith(() => layer.forward(x.subarray(1), opts), RangeError, /x must have 30 elements/, /\[seqLen, batch, inputSize\] = \[5, 2, 3\]/, /got 29/);
  throwsWith(() => layer.forward("abc" as never, opts), TypeError, /x must be a Float32Array/, /got "abc"/);
  throwsWith(() => layer.forward(x, { seqLen: 0, batch: 2 }), RangeError, /seqLen/, /got 0/);
  throwsWith(() => layer.forward(x, { seqLen: 5, batch: 1.5 }), RangeError, /batch/, /got 1\.5/);
  throwsWith(() => layer.forward(x, { ...opts, h: 1 } as never), TypeError, /unknown option "h"/, /h0/);
  throwsWith(() => layer.forward(x, { ...opts, h0: new Float32Array(3) }), RangeError, /h0 must have 16 elements/, /\[4, 2, 4\]|\[2, 2, 4\]/, /got 3/);
  throwsWith(() => layer.forward(x, { ...opts, lengths: [5] }), RangeError, /lengths must have one entry per batch row \(2\)/, /got 1/);
  throwsWith(() => layer.forward(x, { ...opts, lengths: [5, 6] }), RangeError, /lengths\[1\] must be an integer in \[1, seqLen = 5\]/, /got 6/);
  throwsWith(() => layer.forward(x, { ...opts, lengths: [0, 5] }), RangeError, /lengths\[0\]/, /got 0/);
  throwsWith(() => layer.forward(x, { ...opts, lengths: [2.5, 5] }), RangeError, /lengths\[0\]/, /got 2\.5/);
  throwsWith(() => layer.forward([1, 2, "x", ...new Array(27).fill(0)] as never, opts), TypeError, /x\[2\] must be a number/);
  unchanged();
  const gru = new GRU({ inputSize: 3, hiddenSize: 4 });
  throwsWith(() => gru.forward(x, { ...opts, c0: new Float32Array(8) }), TypeError, /c0 is only for LSTM/);
  gru.dispose();
  layer.dispose();
});

test("loadTorchParams: missing, extra, misshapen and mistyped parameters; nothing is loaded on error", () => {
  const { layer, unchanged } = fixture();
  const other = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 99 });
  const good = other.torchParams();
  other.dispose();
  const { bias_hh_l1: _, ...missing } = good;
  throwsWith(() => layer.loadTorchParams(missing), TypeError, /missing parameter "bias_hh_l1"/);
  throwsWith(() => layer.loadTorchParams({ ...good, weight_ih_l2: new Float32Array(1) }), TypeError, /unexpected parameter "weight_ih_l2"/, /expected: weight_ih_l0/);
  throwsWith(() => layer.loadTorchParams({ ...good, weight_hh_l1: new Float32Array(15) }), RangeError, /weight_hh_l1 must have 64 elements/, /\[16, 4\]/, /got 15/);
  throwsWith(() => layer.loadTorchParams({ ...good, bias_ih_l0: "zeros" as never }), TypeError, /bias_ih_l0 must be a Float32Array/, /\[16\]/);
  throwsWith(() => layer.loadTorchParams(undefined as never), TypeError, /must be an object of named parameters/, /got undefined/);
  unchanged();
  layer.dispose();
});

test("backward: before forward, twice, wrong sizes, nothing given, LSTM-only gradients", () => {
  const fresh = new GRU({ inputSize: 3, hiddenSize: 4 });
  throwsWith(() => fresh.backward({ dOutput: new Float32Array(4) }), Error, /call forward\(\) first/);
  const x = new Float32Array(2 * 1 * 3).fill(0.5);
  fresh.forward(x, { seqLen: 2, batch: 1 });
  throwsWith(() => fresh.backward({ dOutput: new Float32Array(7) }), RangeError, /dOutput must have 8 elements/, /\[2, 1, 4\]/, /got 7/);
  throwsWith(() => fresh.backward({}), TypeError, /at least one of dOutput, dhN/);
  throwsWith(() => fresh.backward({ dcN: new Float32Array(4) }), TypeError, /dcN is only for LSTM/);
  throwsWith(() => fresh.backward({ dOutput: new Float32Array(8), extra: 1 } as never), TypeError, /unknown option "extra"/);
  // the failed calls left the forward's activations intact: a good backward still works, once
  const g = fresh.backward({ dOutput: new Float32Array(8).fill(1) });
  assert.ok(g.dx.some((v) => v !== 0));
  throwsWith(() => fresh.backward({ dOutput: new Float32Array(8) }), Error, /used by a previous backward\(\)/, /run forward\(\) again/);
  fresh.dispose();
});

test("use after dispose names the layer and the method", () => {
  const layer = new RNN({ inputSize: 2, hiddenSize: 2 });
  layer.dispose();
  layer.dispose(); // idempotent
  throwsWith(() => layer.forward(new Float32Array(2), { seqLen: 1, batch: 1 }), Error, /RNN\.forward: the layer was disposed/);
  throwsWith(() => layer.torchParams(), Error, /RNN\.torchParams: the layer was disposed/);
  throwsWith(() => layer.backward({ dOutput: new Float32Array(2) }), Error, /disposed/);
});

test.run();
