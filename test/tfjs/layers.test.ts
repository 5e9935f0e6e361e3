// What the fixtures do not cover, against a float64 reference of the Keras formulas (./keras-reference.ts)
// on the same weights: merge modes sum / mul / ave, go_backwards, mask_zero (return_sequences true and false,
// a fully padded row, pre-padding and gaps), Masking, Keras's reset_after GRU, relu SimpleRNN, Dense activations, use_bias false,
// Dropout and Activation layers, hard_sigmoid.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { loadTfjs } from "../../src/tfjs/index.js";
import { gates, ORDER } from "../../src/tfjs/layers.js";
import { bidirectional, dense, embedding, floats, keras3Model, kerasPredict, layersModel, masking, recurrent, type KLayer } from "./keras-reference.js";

await init();

function close(got: Float32Array, want: number[], what: string): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-4 + 1e-3 * Math.abs(want[i]);
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.unreachable(`${what}[${i}]: got ${got[i]}, expected ${want[i]}`);
  }
}

const B = 3, T = 5, F = 4;
const features = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from(floats(F, 100 + 10 * b + t, 1))));
const ids = [[3, 1, 4, 1, 5], [2, 6, 0, 0, 0], [0, 0, 0, 0, 0], [7, 0, 0, 0, 0]];

async function check(what: string, layers: KLayer[], input: number[][] | number[][][]): Promise<void> {
  const { modelJson, weights } = layersModel(layers);
  const model = await loadTfjs(modelJson, weights);
  try {
    const tokens = typeof (input[0] as unknown[])[0] === "number";
    const shape = tokens ? [input.length, input[0].length] : [input.length, input[0].length, (input as number[][][])[0][0].length];
    const data = tokens ? Int32Array.from((input as number[][]).flat()) : Float32Array.from((input as number[][][]).flat(2));
    const got = model.predict({ data, shape });
    const want = kerasPredict(layers, input);
    assert.equal(got.shape, want.shape, `${what}: shape`);
    close(got.data, want.data, what);
  } finally {
    model.dispose();
  }
}

test("reference sanity: a merge changes the result, so the cases below can fail", () => {
  const a = kerasPredict([bidirectional("b0", { cls: "GRU", units: 3, inputSize: F, first: true, return_sequences: true }, "sum")], features);
  const m = kerasPredict([{ ...bidirectional("b0", { cls: "GRU", units: 3, inputSize: F, first: true, return_sequences: true }, "mul") }], features);
  assert.ok(a.data.some((v, i) => Math.abs(v - m.data[i]) > 1e-3));
});

for (const mode of ["concat", "sum", "mul", "ave"]) {
  test(`Bidirectional ${mode}: LSTM with return_sequences, GRU (reset_after) pooled`, async () => {
    await check(`LSTM ${mode}`, [bidirectional(`bl_${mode}`, { cls: "LSTM", units: 4, inputSize: F, first: true, return_sequences: true }, mode)], features);
    await check(`GRU ${mode}`, [bidirectional(`bg_${mode}`, { cls: "GRU", units: 3, inputSize: F, first: true, reset_after: true }, mode)], features);
  });
}

test("Keras GRU reset_after true (bias [2, 3H]) and false (one bias), return_sequences", async () => {
  await check("reset_after", [recurrent("g1", { cls: "GRU", units: 5, inputSize: F, first: true, reset_after: true, return_sequences: true })], features);
  await check("reset-before", [recurrent("g2", { cls: "GRU", units: 5, inputSize: F, first: true, return_sequences: true })], features);
});

test("SimpleRNN relu and tanh, go_backwards, use_bias false; Dense activations", async () => {
  for (const activation of ["relu", "tanh"]) {
    for (const goBackwards of [false, true]) {
      await check(`SimpleRNN ${activation} backwards ${goBackwards}`, [
        recurrent(`r_${activation}`, { cls: "SimpleRNN", units: 4, inputSize: F, first: true, activation, go_backwards: goBackwards, return_sequences: true }),
        dense(`d_${activation}`, 4, 3, "sigmoid"),
      ], features);
    }
  }
  for (const act of ["linear", "softmax", "sigmoid", "tanh", "relu"]) {
    await check(`Dense ${act}`, [recurrent(`s_${act}`, { cls: "LSTM", units: 4, inputSize: F, first: true, use_bias: false }), dense(`dd_${act}`, 4, 3, act, act !== "relu")], features);
  }
});

test("Dropout (identity in predict) and Activation layers", async () => {
  await check("dropout + activation", [
    recurrent("gru_d", { cls: "GRU", units: 4, inputSize: F, first: true, return_sequences: true }),
    { class_name: "Dropout", config: { name: "drop", rate: 0.5 }, weights: [] },
    dense("dense_d", 4, 3, "linear"),
    { class_name: "Activation", config: { name: "act", activation: "softmax" }, weights: [] },
  ], features);
});

test("mask_zero: token 0 ends the sequence (return_sequences false: the last unmasked step; true: it is repeated), a row of only zeros", async () => {
  for (const cls of ["LSTM", "GRU", "SimpleRNN"] as const) {
    for (const ret of [false, true]) {
      await check(`${cls} masked ret ${ret}`, [embedding(`e_${cls}`, 8, 3, true), recurrent(`m_${cls}`, { cls, units: 4, inputSize: 3, return_sequences: ret }), dense(`o_${cls}`, 4, 2, "linear")], ids);
      await check(`${cls} masked backwards ret ${ret}`, [embedding(`eb_${cls}`, 8, 3, true), recurrent(`mb_${cls}`, { cls, units: 4, inputSize: 3, return_sequences: ret, go_backwards: true })], ids);
    }
    for (const mode of ["concat", "ave"]) {
      await check(`${cls} masked Bidirectional ${mode}`, [embedding(`ebi_${cls}`, 8, 3, true), bidirectional(`bi_${cls}`, { cls, units: 3, inputSize: 3, return_sequences: true }, mode), bidirectional(`bi2_${cls}`, { cls, units: 2, inputSize: mode === "concat" ? 6 : 3 }, "concat")], ids);
    }
  }
});

// Keras pads at the front by default (pad_sequences' padding "pre"), and a mask may have gaps: a masked step
// anywhere keeps the state and repeats the output before it (the backward half: the one after it)
const gapped = [[0, 0, 3, 1, 4], [2, 0, 6, 0, 5], [0, 0, 0, 0, 0], [7, 0, 0, 0, 0], [0, 1, 2, 3, 0], [1, 2, 3, 4, 5]];

test("mask_zero with pre-padding and gaps: forward, go_backwards, Bidirectional, stacked (the mask goes on to the next layer)", async () => {
  for (const cls of ["LSTM", "GRU", "SimpleRNN"] as const) {
    for (const ret of [false, true]) {
      await check(`${cls} gapped ret ${ret}`, [embedding(`ge_${cls}`, 8, 3, true), recurrent(`gm_${cls}`, { cls, units: 4, inputSize: 3, return_sequences: ret }), dense(`go_${cls}`, 4, 2, "linear")], gapped);
      await check(`${cls} gapped backwards ret ${ret}`, [embedding(`gb_${cls}`, 8, 3, true), recurrent(`gmb_${cls}`, { cls, units: 4, inputSize: 3, return_sequences: true, go_backwards: true }), recurrent(`gm2_${cls}`, { cls, units: 3, inputSize: 4, return_sequences: ret })], gapped);
      await check(`${cls} gapped Bidirectional ret ${ret}`, [embedding(`gbi_${cls}`, 8, 3, true), bidirectional(`gbi1_${cls}`, { cls, units: 3, inputSize: 3, return_sequences: true }, "concat"), dense(`gbd_${cls}`, 6, 4, "tanh"), bidirectional(`gbi2_${cls}`, { cls, units: 2, inputSize: 4, return_sequences: ret }, "sum")], gapped);
    }
  }
});

test("zero_output_for_mask: masked steps output zeros (forward, go_backwards, Bidirectional); a last step that is masked gives zeros", async () => {
  for (const cls of ["LSTM", "GRU"] as const) {
    for (const ret of [false, true]) {
      const z = { zero_output_for_mask: true };
      await check(`${cls} zero ret ${ret}`, [embedding(`ze_${cls}`, 8, 3, true), recurrent(`zr_${cls}`, { cls, units: 4, inputSize: 3, return_sequences: ret, ...z })], gapped);
      await check(`${cls} zero backwards ret ${ret}`, [embedding(`zb_${cls}`, 8, 3, true), recurrent(`zbr_${cls}`, { cls, units: 4, inputSize: 3, return_sequences: ret, go_backwards: true, ...z })], gapped);
      await check(`${cls} zero Bidirectional ret ${ret}`, [embedding(`zbi_${cls}`, 8, 3, true), bidirectional(`zbb_${cls}`, { cls, units: 3, inputSize: 3, return_sequences: ret, ...z }, "concat")], gapped);
    }
  }
  // the flag changes outputs only where a mask is: without one the outputs are the plain layer's
  await check("zero without a mask", [recurrent("zn", { cls: "LSTM", units: 4, inputSize: F, first: true, return_sequences: true, zero_output_for_mask: true })], features);
});

test("a Keras 3 model.json (what tfjs 4.22 itself cannot load): model_config, batch_shape, DTypePolicy, Bidirectional with its backward_layer", async () => {
  for (const [what, klayers, input] of [
    ["tagger", [embedding("k3e", 8, 3, true), bidirectional("k3b", { cls: "LSTM", units: 4, inputSize: 3, return_sequences: true }, "concat"), dense("k3d", 8, 3, "softmax")], gapped],
    ["classifier", [embedding("k3ce", 8, 3, true), bidirectional("k3cb", { cls: "GRU", units: 3, inputSize: 3, reset_after: true }, "sum"), dense("k3cd", 3, 2, "softmax")], gapped],
    ["forecaster", [recurrent("k3l", { cls: "LSTM", units: 4, inputSize: F, first: true, return_sequences: true }), recurrent("k3s", { cls: "SimpleRNN", units: 3, inputSize: 4 }), dense("k3fd", 3, 1, "linear")], features],
  ] as [string, KLayer[], number[][] | number[][][]][]) {
    const k3 = keras3Model(klayers);
    const model = await loadTfjs(k3.modelJson, k3.weights);
    try {
      const tokens = typeof (input[0] as unknown[])[0] === "number";
      const shape = tokens ? [input.length, input[0].length] : [input.length, input[0].length, (input as number[][][])[0][0].length];
      const got = model.predict({ data: tokens ? Int32Array.from((input as number[][]).flat()) : Float32Array.from((input as number[][][]).flat(2)), shape });
      const want = kerasPredict(k3.layers, input);
      assert.equal(got.shape, want.shape, what);
      close(got.data, want.data, `Keras 3 ${what}`);
      // the Keras 3 Bidirectional that returns sequences zeros both halves at masked steps, unlike a Keras 2 file
      if (what === "tagger") {
        const keras2 = kerasPredict(klayers, input);
        assert.ok(want.data.some((v, i) => Math.abs(v - keras2.data[i]) > 1e-3), "zero_output_for_mask changed the reference");
      }
    } finally {
      model.dispose();
    }
  }
  // a backward_layer that is not the default copy is refused, naming what differs
  const k3 = keras3Model([embedding("k3x", 8, 3, false), bidirectional("k3xb", { cls: "LSTM", units: 4, inputSize: 3 }, "concat")]);
  const layer = (k3.modelJson as { modelTopology: { model_config: { config: { layers: { config: Record<string, { config: Record<string, unknown> }> }[] } } } }).modelTopology.model_config.config.layers[2];
  layer.config.backward_layer.config.units = 5;
  try {
    (await loadTfjs(k3.modelJson, k3.weights)).dispose();
    assert.unreachable("loaded");
  } catch (e) {
    assert.match((e as Error).message, /has a backward_layer whose units \(5\) differs from its layer's \(4\)/);
  }
  layer.config.backward_layer.config.units = 4;
  // Keras 3's hard_sigmoid is relu6(x + 3) / 6: computed so in a Dense, refused in the gates (the kernels have 0.2·x + 0.5)
  const hard = keras3Model([recurrent("k3h", { cls: "GRU", units: 4, inputSize: F, first: true }), dense("k3hd", 4, 3, "linear")]);
  const hardLayers = (hard.modelJson as { modelTopology: { model_config: { config: { layers: { config: Record<string, unknown> }[] } } } }).modelTopology.model_config.config.layers;
  hardLayers[2].config.activation = "hard_sigmoid";
  const m3 = await loadTfjs(hard.modelJson, hard.weights);
  try {
    const linear = kerasPredict(hard.layers, features).data.map((v) => Math.min(6, Math.max(0, v + 3)) / 6);
    close(m3.predict({ data: Float32Array.from(features.flat(2)), shape: [B, T, F] }).data, linear, "Keras 3 Dense hard_sigmoid");
  } finally {
    m3.dispose();
  }
  hardLayers[1].config.recurrent_activation = "hard_sigmoid";
  try {
    (await loadTfjs(hard.modelJson, hard.weights)).dispose();
    assert.unreachable("loaded");
  } catch (e) {
    assert.match((e as Error).message, /recurrent_activation "hard_sigmoid" in a Keras 3 model, where it is relu6\(x \+ 3\) \/ 6/);
  }
  layer.config.backward_layer.config.go_backwards = false;
  try {
    (await loadTfjs(k3.modelJson, k3.weights)).dispose();
    assert.unreachable("loaded");
  } catch (e) {
    assert.match((e as Error).message, /has a backward_layer with go_backwards false/);
  }
});

test("Masking: steps whose features all equal mask_value are skipped (0 and −1; one equal feature is not enough)", async () => {
  for (const value of [0, -1]) {
    // row 0 masked at the front, row 1 in the middle and at the end, row 2 fully, row 3 has one feature equal to the value
    const x = features.map((s) => s.map((r) => r.slice()));
    const pad = () => new Array<number>(F).fill(value);
    x.push(x[0].map((r) => r.slice()), x[1].map((r) => r.slice()));
    x[0][0] = pad(); x[0][1] = pad();
    x[1][2] = pad(); x[1][4] = pad();
    x[2] = x[2].map(pad);
    x[3][1][0] = value; x[3][3] = pad();
    await check(`Masking ${value} LSTM`, [masking(`mk_${-value}`, value, F), recurrent(`mkl_${-value}`, { cls: "LSTM", units: 4, inputSize: F, return_sequences: true }), dense(`mkd_${-value}`, 4, 2, "linear")], x);
    await check(`Masking ${value} Bidirectional GRU pooled`, [masking(`mkb_${-value}`, value, F), bidirectional(`mkg_${-value}`, { cls: "GRU", units: 3, inputSize: F, reset_after: true }, "concat")], x);
    await check(`Masking ${value} then a Dense (the masked steps' values, x · 0)`, [masking(`mkv_${-value}`, value, F), dense(`mkvd_${-value}`, F, 3, "linear")], x);
  }
});

test("recurrent_activation hard_sigmoid (tfjs's default) for LSTM and GRU", async () => {
  await check("LSTM hard_sigmoid", [recurrent("lh", { cls: "LSTM", units: 4, inputSize: F, first: true, recurrent_activation: "hard_sigmoid", return_sequences: true })], features);
  await check("GRU hard_sigmoid", [bidirectional("gh", { cls: "GRU", units: 3, inputSize: F, first: true, recurrent_activation: "hard_sigmoid" }, "concat")], features);
});

/** How many units a loaded model runs (stacked recurrent layers are one), through the private field. */
const unitCount = (m: unknown) => (m as { units: unknown[] }).units.length;

test("stacked recurrent layers (one multi-layer layer) match the Keras reference: LSTM × 2, Bidirectional GRU × 2 with Dropout between ending pooled, SimpleRNN relu × 3", async () => {
  await check("LSTM × 2 + Dense", [
    recurrent("st1", { cls: "LSTM", units: 5, inputSize: F, first: true, recurrent_activation: "sigmoid", return_sequences: true }),
    recurrent("st2", { cls: "LSTM", units: 5, inputSize: 5, recurrent_activation: "sigmoid", return_sequences: true }),
    dense("st_d", 5, 3, "linear"),
  ], features);
  await check("Bidirectional GRU × 2 (reset_after), Dropout between, the last pooled", [
    bidirectional("sb1", { cls: "GRU", units: 3, inputSize: F, first: true, reset_after: true, return_sequences: true }, "concat"),
    { class_name: "Dropout", config: { name: "sb_drop", rate: 0.3 }, weights: [] },
    bidirectional("sb2", { cls: "GRU", units: 3, inputSize: 6, reset_after: true, return_sequences: false }, "concat"),
  ], features);
  await check("SimpleRNN relu × 3, the last pooled, then Dense", [
    recurrent("sr1", { cls: "SimpleRNN", units: 4, inputSize: F, first: true, activation: "relu", return_sequences: true }),
    recurrent("sr2", { cls: "SimpleRNN", units: 4, inputSize: 4, activation: "relu", return_sequences: true }),
    recurrent("sr3", { cls: "SimpleRNN", units: 4, inputSize: 4, activation: "relu", return_sequences: false }),
    dense("sr_d", 4, 2, "tanh"),
  ], features);
});

test("a stack gives bit-identical outputs to the same layers run one by one (split by an Activation linear); what is not stacked", async () => {
  const l1 = recurrent("bi1", { cls: "LSTM", units: 6, inputSize: F, first: true, recurrent_activation: "hard_sigmoid", return_sequences: true });
  const l2 = recurrent("bi2", { cls: "LSTM", units: 6, inputSize: 6, recurrent_activation: "hard_sigmoid", return_sequences: false });
  const fc = dense("bi_d", 6, 3, "linear");
  const linear = { class_name: "Activation", config: { name: "bi_lin", activation: "linear" }, weights: [] };
  const stacked = layersModel([l1, l2, fc]), split = layersModel([l1, linear, l2, fc]);
  assert.equal(stacked.weights, split.weights);
  const a = await loadTfjs(stacked.modelJson, stacked.weights), b = await loadTfjs(split.modelJson, split.weights);
  try {
    assert.is(unitCount(a), 2, "the two LSTMs and the Dense");
    assert.is(unitCount(b), 4);
    const input = { data: Float32Array.from(features.flat(2)), shape: [B, T, F] };
    assert.equal(a.predict(input), b.predict(input));
  } finally {
    a.dispose();
    b.dispose();
  }
  // under a mask (mask_zero with pre-padding and gaps; Masking) a stack reads the packed steps once: bit-identical too
  const masked: [string, KLayer[], KLayer, number[][] | number[][][]][] = [
    ["mask_zero, Bidirectional GRU × 2", [embedding("sm_e", 8, 3, true), bidirectional("sm_b1", { cls: "GRU", units: 3, inputSize: 3, return_sequences: true }, "concat"),
      bidirectional("sm_b2", { cls: "GRU", units: 3, inputSize: 6, return_sequences: true, zero_output_for_mask: true }, "concat"), dense("sm_d", 6, 2, "linear")], { class_name: "Activation", config: { name: "sm_lin", activation: "linear" }, weights: [] }, gapped],
    ["Masking, LSTM × 2 pooled", [masking("sk_m", 0, F), recurrent("sk_l1", { cls: "LSTM", units: 4, inputSize: F, return_sequences: true }),
      recurrent("sk_l2", { cls: "LSTM", units: 4, inputSize: 4 })], { class_name: "Activation", config: { name: "sk_lin", activation: "linear" }, weights: [] }, features.map((s) => s.map((r, t) => (t % 2 ? r : r.map(() => 0))))],
  ];
  for (const [what, layers, cut, input] of masked) {
    const whole = layersModel(layers), parts = layersModel([...layers.slice(0, 2), cut, ...layers.slice(2)]);
    const c = await loadTfjs(whole.modelJson, whole.weights), d = await loadTfjs(parts.modelJson, parts.weights);
    try {
      assert.is(unitCount(c), layers.length - 1, `${what}: the two recurrent layers run as one`);
      const tokens = typeof (input[0] as unknown[])[0] === "number";
      const x = tokens ? { data: Int32Array.from((input as number[][]).flat()), shape: [input.length, input[0].length] }
        : { data: Float32Array.from((input as number[][][]).flat(2)), shape: [input.length, input[0].length, F] };
      assert.equal(c.predict(x), d.predict(x), what);
      await check(`stacked under a mask: ${what}`, layers, input);
    } finally {
      c.dispose();
      d.dispose();
    }
  }
  // not stacked: different sizes, classes or gates; a layer after one that returns the last step only
  const unstacked: [string, KLayer[]][] = [
    ["sizes", [recurrent("n1", { cls: "GRU", units: 4, inputSize: F, first: true, return_sequences: true }), recurrent("n2", { cls: "GRU", units: 5, inputSize: 4 })]],
    ["classes", [recurrent("c1", { cls: "GRU", units: 4, inputSize: F, first: true, return_sequences: true }), recurrent("c2", { cls: "LSTM", units: 4, inputSize: 4 })]],
    ["gates", [recurrent("g1", { cls: "LSTM", units: 4, inputSize: F, first: true, recurrent_activation: "hard_sigmoid", return_sequences: true }), recurrent("g2", { cls: "LSTM", units: 4, inputSize: 4, recurrent_activation: "sigmoid" })]],
    ["go_backwards", [recurrent("k1", { cls: "LSTM", units: 4, inputSize: F, first: true, return_sequences: true }), recurrent("k2", { cls: "LSTM", units: 4, inputSize: 4, go_backwards: true })]],
  ];
  for (const [what, layers] of unstacked) {
    const { modelJson, weights } = layersModel(layers);
    const m = await loadTfjs(modelJson, weights);
    assert.is(unitCount(m), layers.length, what);
    m.dispose();
    await check(`not stacked (${what})`, layers, features);
  }
});

test("the tiled transpose of Keras kernels: every element where the plain formula puts it, across tile edges", () => {
  // sizes that are not multiples of the tile (32), and more than one tile each way; every gate order
  for (const [rows, H] of [[45, 37], [1, 70], [70, 1], [32, 33]]) {
    for (const order of [ORDER.LSTM, ORDER.GRU, ORDER.SimpleRNN]) {
      const G = order.length, src = floats(rows * G * H, rows + H, 1), got = gates(src, rows, H, order);
      assert.is(got.length, src.length);
      for (let k = 0; k < G; k++) for (let j = 0; j < H; j++) for (let r = 0; r < rows; r++) {
        const want = src[r * G * H + order[k] * H + j], at = (k * H + j) * rows + r;
        if (got[at] !== want) assert.unreachable(`rows ${rows}, H ${H}, order ${order}: [${k * H + j}, ${r}] is ${got[at]}, expected ${want}`);
      }
    }
  }
});

test("a model wider than a tile (Dense 40 → 70, LSTM 36 on 40 features) matches the Keras reference", async () => {
  const wide = Array.from({ length: 2 }, (_, b) => Array.from({ length: 3 }, (_, t) => Array.from(floats(40, 300 + 10 * b + t, 1))));
  await check("wide LSTM + Dense", [recurrent("wl", { cls: "LSTM", units: 36, inputSize: 40, first: true, recurrent_activation: "sigmoid", return_sequences: true }), dense("wd", 36, 70, "linear")], wide);
});

test.run();
