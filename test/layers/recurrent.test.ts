// Layer behaviour beyond the PyTorch reference files: initialisation, parameter round trips, batch-first,
// variable lengths, both matrix-product paths (batch 1 and larger), workspace reuse, and memory release.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init, RNN, GRU, LSTM, type RecurrentLayer } from "../../src/index.js";
import { runtime } from "../../src/init.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await init();

/** A deterministic pseudo-random vector in [-1, 1). */
function randoms(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.is(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** [n0, n1, w] → [n1, n0, w] */
function swap01(x: ArrayLike<number>, n0: number, n1: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) for (let k = 0; k < w; k++) out[(j * n0 + i) * w + k] = x[(i * n1 + j) * w + k];
  return out;
}

const kinds: [string, (o: { inputSize: number; hiddenSize: number; numLayers?: number; bidirectional?: boolean; batchFirst?: boolean; seed?: number }) => RecurrentLayer][] = [
  ["RNN", (o) => new RNN(o)],
  ["RNN relu", (o) => new RNN({ ...o, nonlinearity: "relu" })],
  ["GRU", (o) => new GRU(o)],
  ["GRU reset-before", (o) => new GRU({ ...o, resetAfter: false })],
  ["LSTM", (o) => new LSTM(o)],
  ["GRU hardSigmoid", (o) => new GRU({ ...o, recurrentActivation: "hardSigmoid" })],
  ["GRU reset-before hardSigmoid", (o) => new GRU({ ...o, resetAfter: false, recurrentActivation: "hardSigmoid" })],
  ["LSTM hardSigmoid", (o) => new LSTM({ ...o, recurrentActivation: "hardSigmoid" })],
  ["LSTM peepholes", (o) => new LSTM({ ...o, peepholes: true })],
  ["LSTM hardSigmoid peepholes", (o) => new LSTM({ ...o, recurrentActivation: "hardSigmoid", peepholes: true })],
];

test("the same seed gives the same weights, within PyTorch's uniform(−1/√H, 1/√H)", () => {
  const a = new LSTM({ inputSize: 5, hiddenSize: 16, seed: 7 }), b = new LSTM({ inputSize: 5, hiddenSize: 16, seed: 7 });
  const c = new LSTM({ inputSize: 5, hiddenSize: 16, seed: 8 });
  const pa = a.torchParams(), pb = b.torchParams(), pc = c.torchParams();
  for (const name of Object.keys(pa)) {
    assert.equal(pa[name], pb[name], name);
    assert.ok(maxAbsDiff(pa[name], pc[name]) > 0, `${name} differs between seeds`);
    for (const v of pa[name]) assert.ok(Math.abs(v) <= 0.25, `${name} within ±1/√16`);
  }
  // the draws cover the range: some weight is near each end
  const all = Object.values(pa).flatMap((t) => [...t]);
  assert.ok(Math.min(...all) < -0.24 && Math.max(...all) > 0.24);
  for (const l of [a, b, c]) l.dispose();
});

test("the default seed is fixed, so two default layers agree", () => {
  const a = new GRU({ inputSize: 3, hiddenSize: 4 }), b = new GRU({ inputSize: 3, hiddenSize: 4 });
  assert.equal(a.torchParams(), b.torchParams());
  a.dispose(); b.dispose();
});

test("torchParams round-trips through loadTorchParams, with PyTorch names and shapes", () => {
  const a = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 1 });
  const b = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 2 });
  assert.equal(Object.keys(a.torchParams()), [
    "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
    "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
    "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
    "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
  ]);
  assert.equal(a.parameterShapes().weight_ih_l1, [20, 10]);
  b.loadTorchParams(a.torchParams());
  assert.equal(b.torchParams(), a.torchParams());
  const x = randoms(4 * 2 * 3, 3);
  assert.equal(b.forward(x, { seqLen: 4, batch: 2 }), a.forward(x, { seqLen: 4, batch: 2 }));
  a.dispose(); b.dispose();
});

for (const [name, make] of kinds) {
  test(`${name}: batchFirst is the transposed time-major computation, forward and backward`, () => {
    const T = 5, B = 3, I = 4, H = 6, D = 2;
    const tm = make({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 3 });
    const bf = make({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 3, batchFirst: true });
    const x = randoms(T * B * I, 11), dOut = randoms(T * B * D * H, 12);
    const a = tm.forward(x, { seqLen: T, batch: B });
    const b = bf.forward(swap01(x, T, B, I), { seqLen: T, batch: B });
    assert.equal(b.output, swap01(a.output, T, B, D * H));
    assert.equal(b.hN, a.hN); // hN is [L·D, B, H] either way, as in PyTorch
    const ga = tm.backward({ dOutput: dOut });
    const gb = bf.backward({ dOutput: swap01(dOut, T, B, D * H) });
    assert.equal(gb.dx, swap01(ga.dx, T, B, I));
    assert.equal(gb.grads, ga.grads);
    tm.dispose(); bf.dispose();
  });

  test(`${name}: batch 1 (GEMV path) and batch 3 (GEMM path) agree row by row`, () => {
    const T = 6, I = 5, H = 9;
    const layer = make({ inputSize: I, hiddenSize: H, bidirectional: true, seed: 5 });
    const seqs = [0, 1, 2].map((s) => randoms(T * I, 20 + s));
    const x3 = new Float32Array(T * 3 * I);
    for (let t = 0; t < T; t++) for (let b = 0; b < 3; b++) x3.set(seqs[b].subarray(t * I, (t + 1) * I), (t * 3 + b) * I);
    const dOut3 = randoms(T * 3 * 2 * H, 30);
    const big = layer.forward(x3, { seqLen: T, batch: 3 });
    const gBig = layer.backward({ dOutput: dOut3 });
    const gradSum: Record<string, Float32Array> = {};
    for (let b = 0; b < 3; b++) {
      const one = layer.forward(seqs[b], { seqLen: T, batch: 1 });
      const dOut1 = new Float32Array(T * 2 * H);
      for (let t = 0; t < T; t++) dOut1.set(dOut3.subarray((t * 3 + b) * 2 * H, (t * 3 + b + 1) * 2 * H), t * 2 * H);
      const g1 = layer.backward({ dOutput: dOut1 });
      for (let t = 0; t < T; t++) {
        const row = big.output.subarray((t * 3 + b) * 2 * H, (t * 3 + b + 1) * 2 * H);
        assert.ok(maxAbsDiff(one.output.subarray(t * 2 * H, (t + 1) * 2 * H), row) < 1e-5);
        const dxRow = gBig.dx.subarray((t * 3 + b) * I, (t * 3 + b + 1) * I);
        assert.ok(maxAbsDiff(g1.dx.subarray(t * I, (t + 1) * I), dxRow) < 1e-5);
      }
      for (const [k, v] of Object.entries(g1.grads)) {
        gradSum[k] ??= new Float32Array(v.length);
        for (let i = 0; i < v.length; i++) gradSum[k][i] += v[i];
      }
    }
    for (const [k, v] of Object.entries(gBig.grads)) assert.ok(maxAbsDiff(v, gradSum[k]) < 1e-4, `${k}: batch gradients are per-row sums`);
    layer.dispose();
  });

  test(`${name}: variable lengths zero the padding, ignore it, and end hN at each row's last step`, () => {
    const T = 7, B = 3, I = 3, H = 4, D = 2;
    const lengths = [7, 2, 5];
    const layer = make({ inputSize: I, hiddenSize: H, bidirectional: true, seed: 9 });
    const x = randoms(T * B * I, 40);
    const xNaN = x.slice();
    for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (t >= lengths[b]) xNaN.fill(NaN, (t * B + b) * I, (t * B + b + 1) * I);
    const r = layer.forward(xNaN, { seqLen: T, batch: B, lengths });
    const g = layer.backward({ dOutput: randoms(T * B * D * H, 41), dhN: randoms(D * B * H, 42) });
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const out = r.output.subarray((t * B + b) * D * H, (t * B + b + 1) * D * H);
        const dx = g.dx.subarray((t * B + b) * I, (t * B + b + 1) * I);
        if (t >= lengths[b]) {
          assert.ok(out.every((v) => v === 0), "padded output is exactly 0");
          assert.ok(dx.every((v) => v === 0), "padded input gets no gradient");
        } else assert.ok(out.every(Number.isFinite));
      }
    }
    for (const v of Object.values(g.grads)) assert.ok(v.every(Number.isFinite), "NaN in the padding never reaches a gradient");
    for (let b = 0; b < B; b++) {
      const last = r.output.subarray(((lengths[b] - 1) * B + b) * D * H);
      const first = r.output.subarray(b * D * H);
      assert.equal(r.hN.subarray(b * H, (b + 1) * H), last.subarray(0, H), "forward hN = output at the last valid step");
      assert.equal(r.hN.subarray((B + b) * H, (B + b + 1) * H), first.subarray(H, 2 * H), "reverse hN = output at t = 0");
    }
    // a row of full length gives what it gives alone, without lengths
    const alone = layer.forward(x.filter((_, i) => Math.floor(i / I) % B === 0), { seqLen: T, batch: 1 });
    for (let t = 0; t < T; t++) assert.ok(maxAbsDiff(alone.output.subarray(t * D * H, (t + 1) * D * H), r.output.subarray(t * B * D * H, (t * B + 1) * D * H)) < 1e-5);
    layer.dispose();
  });
}

test("stream(): one step per call equals forward() over the whole sequence, state kept between calls", () => {
  for (const [name, make] of kinds) {
    const T = 7, B = 3, I = 5, H = 6;
    const layer = make({ inputSize: I, hiddenSize: H, numLayers: 2, seed: 8 });
    const x = randoms(T * B * I, 50);
    const full = layer.forward(x, { seqLen: T, batch: B });
    const stream = layer.stream({ batch: B });
    for (let t = 0; t < T; t++) {
      const y = stream.step(x.subarray(t * B * I, (t + 1) * B * I));
      assert.ok(maxAbsDiff(y, full.output.subarray(t * B * H, (t + 1) * B * H)) < 1e-6, `${name} step ${t}`);
    }
    assert.ok(maxAbsDiff(stream.state().h, full.hN) < 1e-6, `${name}: stream state = hN`);
    if (full.cN) assert.ok(maxAbsDiff(stream.state().c!, full.cN) < 1e-6);
    stream.reset();
    assert.ok(maxAbsDiff(stream.step(x.subarray(0, B * I)), full.output.subarray(0, B * H)) < 1e-6, "reset starts from zeros");
    stream.reset(full.hN, full.cN);
    assert.ok(maxAbsDiff(stream.state().h, full.hN) === 0);
    assert.throws(() => stream.step(new Float32Array(2)), /stream\.step: x must have 15 elements/);
    stream.dispose();
    assert.throws(() => stream.step(x.subarray(0, B * I)), /disposed/);
    layer.dispose();
  }
  const bi = new GRU({ inputSize: 2, hiddenSize: 2, bidirectional: true });
  assert.throws(() => bi.stream(), /bidirectional layer needs the whole sequence/);
  bi.dispose();
});

test("stateGradNorms: ‖∂L/∂h‖ per step vanishes through a small W_hh and explodes through a large one", () => {
  const T = 30, H = 16;
  const x = randoms(T * 4, 3), dOutput = new Float32Array(T * H);
  dOutput.set(randoms(H, 4), (T - 1) * H); // a loss on the last step only
  const growth = (scale: number) => {
    const rnn = new RNN({ inputSize: 4, hiddenSize: H, seed: 2, nonlinearity: "relu" });
    const p = rnn.torchParams();
    // W_hh = scale · I: the gradient is multiplied by (at most) scale at every step back
    p.weight_hh_l0.fill(0);
    for (let i = 0; i < H; i++) p.weight_hh_l0[i * H + i] = scale;
    p.bias_ih_l0.fill(1); // keep relu units active, so the product is exactly scale per step
    rnn.loadTorchParams(p);
    rnn.forward(x, { seqLen: T, batch: 1 });
    const { stateGradNorms } = rnn.backward({ dOutput, stateGradNorms: true });
    rnn.dispose();
    return stateGradNorms![1] / stateGradNorms![T - 1];
  };
  assert.ok(Math.abs(growth(0.5) - 0.5 ** (T - 2)) < 1e-3 * 0.5 ** (T - 2), `vanishing: ${growth(0.5)}`);
  assert.ok(Math.abs(growth(1.5) / 1.5 ** (T - 2) - 1) < 1e-3, `exploding: ${growth(1.5)}`);
});

test("hN of a unidirectional stack is the top output at the last step; cN is returned for LSTM only", () => {
  const T = 4, B = 2, H = 3;
  const lstm = new LSTM({ inputSize: 2, hiddenSize: H, numLayers: 2 });
  const r = lstm.forward(randoms(T * B * 2, 1), { seqLen: T, batch: B });
  assert.equal(r.hN.subarray(B * H), r.output.subarray((T - 1) * B * H));
  assert.is(r.cN!.length, 2 * B * H);
  const gru = new GRU({ inputSize: 2, hiddenSize: H });
  assert.is(gru.forward(randoms(T * B * 2, 1), { seqLen: T, batch: B }).cN, undefined);
  lstm.dispose(); gru.dispose();
});

test("h0/c0 are used, and dh0/dc0 match finite differences", () => {
  const T = 3, B = 2, I = 2, H = 4;
  const lstm = new LSTM({ inputSize: I, hiddenSize: H, seed: 4 });
  const x = randoms(T * B * I, 2), h0 = randoms(B * H, 3), c0 = randoms(B * H, 4), dOut = randoms(T * B * H, 5);
  const loss = (h: Float32Array, c: Float32Array) => {
    const o = lstm.forward(x, { seqLen: T, batch: B, h0: h, c0: c }).output;
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i] * dOut[i];
    return s;
  };
  const base = lstm.forward(x, { seqLen: T, batch: B, h0, c0 });
  assert.not.equal(base.output, lstm.forward(x, { seqLen: T, batch: B }).output);
  lstm.forward(x, { seqLen: T, batch: B, h0, c0 });
  const g = lstm.backward({ dOutput: dOut });
  const eps = 1e-2;
  for (const i of [0, 3, 6]) {
    const hp = h0.slice(), hm = h0.slice();
    hp[i] += eps; hm[i] -= eps;
    assert.ok(Math.abs((loss(hp, c0) - loss(hm, c0)) / (2 * eps) - g.dh0[i]) < 2e-3, `dh0[${i}]`);
    const cp = c0.slice(), cm = c0.slice();
    cp[i] += eps; cm[i] -= eps;
    assert.ok(Math.abs((loss(h0, cp) - loss(h0, cm)) / (2 * eps) - g.dc0![i]) < 2e-3, `dc0[${i}]`);
  }
  lstm.dispose();
});

test("a layer reused with growing and shrinking shapes gives what a fresh layer gives", () => {
  const make = () => new GRU({ inputSize: 3, hiddenSize: 8, numLayers: 2, seed: 6 });
  const reused = make();
  for (const [T, B] of [[2, 1], [40, 5], [3, 2], [64, 9], [1, 1]]) {
    const x = randoms(T * B * 3, T * 100 + B);
    const fresh = make();
    const a = reused.forward(x, { seqLen: T, batch: B }), b = fresh.forward(x, { seqLen: T, batch: B });
    assert.equal(a, b);
    const dOut = randoms(T * B * 8, 7);
    assert.equal(reused.backward({ dOutput: dOut }), fresh.backward({ dOutput: dOut }));
    fresh.dispose();
  }
  reused.dispose();
});

test("dispose() returns the layer's memory, and the memory stays flat over repeated calls", () => {
  const heap = runtime().heap;
  const before = heap.bytesInUse;
  const layer = new LSTM({ inputSize: 16, hiddenSize: 32, numLayers: 2, bidirectional: true });
  const x = randoms(20 * 4 * 16, 1);
  layer.forward(x, { seqLen: 20, batch: 4 });
  layer.backward({ dOutput: randoms(20 * 4 * 64, 2) });
  const inUse = heap.bytesInUse, reserved = heap.bytesReserved;
  for (let i = 0; i < 200; i++) {
    layer.forward(x, { seqLen: 20, batch: 4 });
    layer.backward({ dOutput: randoms(20 * 4 * 64, 2) });
  }
  assert.is(heap.bytesInUse, inUse);
  assert.is(heap.bytesReserved, reserved);
  layer.dispose();
  assert.is(heap.bytesInUse, before);
});

test("memory stays flat over 10 000 forward calls (wasm heap, linear memory and process RSS)", () => {
  const heap = runtime().heap;
  const lstm = new LSTM({ inputSize: 8, hiddenSize: 32 });
  const x = randoms(4 * 2 * 8, 1), h0 = randoms(2 * 32, 2), c0 = randoms(2 * 32, 3);
  const call = () => lstm.forward(x, { seqLen: 4, batch: 2, h0, c0 });
  for (let i = 0; i < 100; i++) call();
  const inUse = heap.bytesInUse, reserved = heap.bytesReserved;
  globalThis.gc?.();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < 10_000; i++) call();
  assert.is(heap.bytesInUse, inUse, "no wasm allocation left behind");
  assert.is(heap.bytesReserved, reserved, "the linear memory did not grow");
  const grown = process.memoryUsage().rss - rss;
  assert.ok(grown < 32 * 2 ** 20, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB over 10 000 calls`);
  lstm.dispose();
});

test("a large input grows the wasm memory, and results stay right afterwards", () => {
  const heap = runtime().heap;
  const layer = new RNN({ inputSize: 64, hiddenSize: 64, seed: 2 });
  const small = randoms(3 * 64, 1);
  const a = layer.forward(small, { seqLen: 3, batch: 1 });
  const reserved = heap.bytesReserved;
  const T = 2000, B = 8;
  const big = layer.forward(randoms(T * B * 64, 2), { seqLen: T, batch: B });
  assert.ok(heap.bytesReserved > reserved, "memory grew");
  assert.ok(big.output.every(Number.isFinite));
  assert.equal(layer.forward(small, { seqLen: 3, batch: 1 }), a);
  layer.dispose();
});

test("toString names the layer", () => {
  const l = new LSTM({ inputSize: 2, hiddenSize: 3 });
  assert.match(String(l), /^LSTM\(2, 3/);
  l.dispose();
});

test.run();
