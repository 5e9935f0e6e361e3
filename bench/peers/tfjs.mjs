// TensorFlow.js 4.x layers API on the "cpu" backend (plain JavaScript) or the "wasm" backend (XNNPACK, SIMD,
// one thread via setThreadsCount(1)). The recurrent layers get wasm-rnn's PyTorch weights mapped to Keras
// layouts: kernel = W_ihᵀ, recurrent_kernel = W_hhᵀ, bias = b_ih + b_hh; LSTM gates i,f,c,o (= PyTorch's
// i,f,g,o), GRU gates z,r,h (PyTorch r,z,n reordered). tfjs's GRU has only the reset-before form
// (`resetAfter` throws), so its W4 / W3-gru rows compute the reset-before GRU and are checked against
// wasm-rnn's GRU({ resetAfter: false }) with the same weights.

import { WORKLOADS, workloadInputs, readWeights, reorderGates, transpose, add, GATES } from "../common.mjs";

/**
 * W5 / W6, one training step per call: forward, backward (tf.variableGrads), global-norm clipping where the
 * workload has it (W5: 1), Adam (β 0.9 / 0.999, ε 1e-8 as PyTorch's; tfjs's default ε is 1e-7).
 * W5: embedding (maskZero: id 0 is padding) → bidirectional(LSTM, returnSequences, concat) as a tf.model; the
 * mean over each sequence's valid steps is computed in the loss function (tfjs's globalAveragePooling1d
 * ignores masks), then the dense layer. The mask makes tfjs's LSTM skip padded steps: the forward direction
 * stops at the length, the backward one (goBackwards) starts at it.
 * W6: LSTM (returnSequences false: the last step) → dense, as a tf.sequential; MSE.
 */
function taskModel(tf, w, inputs, cellWeights) {
  const p = readWeights(w.weights);
  const lstm = (extra) => tf.layers.lstm({ units: w.H, recurrentActivation: "sigmoid", kernelInitializer: "zeros", recurrentInitializer: "zeros", ...extra });
  const bm = (data, width) => { // time-major [T, B, width] → batch-major [B, T, width]
    const o = new data.constructor(data.length);
    for (let t = 0; t < w.T; t++) for (let b = 0; b < w.B; b++) o.set(data.subarray((t * w.B + b) * width, (t * w.B + b + 1) * width), (b * w.T + t) * width);
    return o;
  };
  const O = w.task === "classify" ? w.C : w.O;
  const dense = tf.layers.dense({ units: O });
  let model, x, y, lossOf;
  const notes = {};
  if (w.task === "classify") {
    const bi = tf.layers.bidirectional({ layer: lstm({ returnSequences: true }), mergeMode: "concat" });
    x = tf.tensor2d(bm(inputs.tokens, 1), [w.B, w.T], "int32");
    let sequence;
    if (tf.getBackend() === "wasm") {
      // tfjs-wasm has no UnsortedSegmentSum kernel, the gradient of gather (tf.layers.embedding): the lookup
      // is oneHot(ids)·E there, with the mask (id ≠ 0) passed to the bidirectional layer as tf.layers.embedding
      // ({ maskZero: true }) would
      const table = tf.variable(tf.tensor2d(p["emb.weight"].data, [w.V, w.E]), true, "emb");
      const oneHot = tf.oneHot(x.reshape([w.B * w.T]), w.V).toFloat();
      const mask = tf.notEqual(x, 0);
      bi.build([w.B, w.T, w.E]);
      sequence = () => bi.apply(tf.matMul(oneHot, table).reshape([w.B, w.T, w.E]), { mask, training: true });
      model = { trainableWeights: [{ val: table }, ...bi.trainableWeights] };
      notes.embedding = "oneHot(ids)·E (no gather gradient on the wasm backend), mask passed to the bidirectional layer";
    } else {
      const emb = tf.layers.embedding({ inputDim: w.V, outputDim: w.E, maskZero: true });
      const input = tf.input({ batchShape: [w.B, w.T], dtype: "int32" });
      model = tf.model({ inputs: input, outputs: bi.apply(emb.apply(input)) });
      emb.setWeights([tf.tensor2d(p["emb.weight"].data, [w.V, w.E])]);
      sequence = () => model.apply(x, { training: true });
      notes.embedding = "tf.layers.embedding({ maskZero: true })";
    }
    dense.build([null, 2 * w.H]);
    const fwd = cellWeights(p, "rnn.", "lstm", w.H, w.E);
    const reverse = Object.fromEntries(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"].map((k) => [`rnn.${k}`, p[`rnn.${k}_reverse`]]));
    const bwd = cellWeights(reverse, "rnn.", "lstm", w.H, w.E);
    bi.setWeights([...fwd, ...bwd]);
    y = tf.oneHot(tf.tensor1d(inputs.targets, "int32"), w.C).toFloat();
    // pooling weights [B, T, 1]: 1/length at valid steps, 0 after
    const pw = new Float32Array(w.B * w.T);
    for (let b = 0; b < w.B; b++) for (let t = 0; t < inputs.lengths[b]; t++) pw[b * w.T + t] = 1 / inputs.lengths[b];
    const poolWeights = tf.tensor3d(pw, [w.B, w.T, 1]);
    lossOf = () => tf.losses.softmaxCrossEntropy(y, dense.apply(tf.sum(tf.mul(sequence(), poolWeights), 1)));
  } else {
    const layer = lstm({ returnSequences: false });
    const input = tf.input({ batchShape: [w.B, w.T, w.I] });
    model = tf.model({ inputs: input, outputs: layer.apply(input) });
    dense.build([null, w.H]);
    layer.setWeights(cellWeights(p, "rnn.", "lstm", w.H, w.I));
    x = tf.tensor3d(bm(inputs.x, w.I), [w.B, w.T, w.I]);
    y = tf.tensor2d(inputs.targets, [w.B, w.O]);
    lossOf = () => tf.losses.meanSquaredError(y, dense.apply(model.apply(x, { training: true })));
  }
  const F = p["fc.weight"].shape[1];
  dense.setWeights([tf.tensor2d(transpose(p["fc.weight"].data, O, F), [F, O]), tf.tensor1d(p["fc.bias"].data)]);
  const optimizer = tf.train.adam(w.lr, 0.9, 0.999, 1e-8);
  const vars = [...model.trainableWeights, ...dense.trainableWeights].map((v) => v.val);
  const step = () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossOf, vars);
    let g = grads;
    if (w.clip) {
      const norm = Math.sqrt(tf.addN(Object.values(grads).map((t) => tf.sum(tf.square(t)))).dataSync()[0]);
      const scale = w.clip / (norm + 1e-6);
      if (scale < 1) g = Object.fromEntries(Object.entries(grads).map(([k, t]) => [k, tf.mul(t, scale)]));
    }
    optimizer.applyGradients(g);
    return value.dataSync()[0];
  });
  return { run: step, check: () => ({ loss: [step(), step()] }), notes };
}

export async function create(id, options = {}) {
  const backend = options.backend ?? "cpu";
  const tf = await import("@tensorflow/tfjs");
  const info = { tfjs: tf.version.tfjs, backend };
  if (backend === "wasm") {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setThreadsCount(1);
    await tf.setBackend("wasm");
    info.threads = wasm.getThreadsCount();
    info.simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    info.multithreadSupport = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
  } else {
    await tf.setBackend("cpu");
  }
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`tfjs backend is ${tf.getBackend()}, wanted ${backend}`);
  const w = WORKLOADS[id];
  const inputs = workloadInputs(id);
  const memory = () => {
    const m = tf.memory();
    const out = { tfBytes: m.numBytes, tfTensors: m.numTensors };
    if (backend === "wasm") {
      const heap = tf.backend().wasm?.HEAPU8;
      if (heap) out.wasmMemory = heap.buffer.byteLength;
    }
    return out;
  };

  if (id === "GEMM512") {
    const { M, K, N } = w;
    const A = tf.tensor2d(inputs.A, [M, K]);
    const B = tf.tensor2d(readWeights(w.weights).B.data, [K, N]);
    const run = () => { const C = tf.matMul(A, B); C.dataSync(); C.dispose(); };
    const check = () => { const C = tf.matMul(A, B); const data = C.dataSync().slice(); C.dispose(); return { C: data }; };
    return { info, memory, run, check };
  }

  const cellWeights = (p, prefix, cell, H, I) => {
    const order = cell === "gru" ? [1, 0, 2] : cell === "lstm" ? [0, 1, 2, 3] : [0];
    const G = GATES[cell];
    return [
      tf.tensor2d(transpose(reorderGates(p[`${prefix}weight_ih_l0`].data, H, I, order), G * H, I), [I, G * H]),
      tf.tensor2d(transpose(reorderGates(p[`${prefix}weight_hh_l0`].data, H, H, order), G * H, H), [H, G * H]),
      tf.tensor1d(reorderGates(add(p[`${prefix}bias_ih_l0`].data, p[`${prefix}bias_hh_l0`].data), H, 1, order)),
    ];
  };
  const recurrentLayer = (cell, H, extra) => {
    const common = { units: H, kernelInitializer: "zeros", recurrentInitializer: "zeros", ...extra }; // weights are set below
    if (cell === "lstm") return tf.layers.lstm({ ...common, recurrentActivation: "sigmoid" });
    if (cell === "gru") return tf.layers.gru({ ...common, recurrentActivation: "sigmoid" });
    return tf.layers.simpleRNN({ ...common, activation: "tanh" });
  };
  if (w.cell === "gru") info.form = "reset-before";

  if (w.task) {
    const { run, check, notes } = taskModel(tf, w, inputs, cellWeights);
    return { info: { ...info, ...notes }, memory, run, check };
  }

  if (w.train) {
    const { V, H, B, T } = w;
    const p = readWeights(w.weights);
    const rnn = recurrentLayer(w.cell, H, { returnSequences: true });
    const dense = tf.layers.dense({ units: V });
    const input = tf.input({ batchShape: [B, T, V] });
    const model = tf.model({ inputs: input, outputs: dense.apply(rnn.apply(input)) });
    rnn.setWeights(cellWeights(p, "rnn.", w.cell, H, V));
    dense.setWeights([tf.tensor2d(transpose(p["fc.weight"].data, V, H), [H, V]), tf.tensor1d(p["fc.bias"].data)]);
    // batch-major one-hot inputs and targets from the time-major ids [T, B]
    const bm = (ids) => { const o = new Int32Array(B * T); for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) o[b * T + t] = ids[t * B + b]; return o; };
    const x = tf.oneHot(tf.tensor2d(bm(inputs.tokens), [B, T], "int32"), V).toFloat();
    const y = tf.oneHot(tf.tensor2d(bm(inputs.targets), [B, T], "int32"), V).toFloat();
    const optimizer = tf.train.sgd(1);
    const vars = model.trainableWeights.map((v) => v.val);
    // forward + backward (variableGrads), global-norm clipping to 1 (as torch.nn.utils.clip_grad_norm_), SGD
    const step = () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), vars);
      const norm = Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]);
      const scale = 1 / (norm + 1e-6);
      const clipped = scale < 1 ? Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)])) : grads;
      optimizer.applyGradients(clipped);
      return value.dataSync()[0];
    });
    return { info, memory, run: step, check: () => ({ loss: [step(), step()] }) };
  }

  // W1, W1s, W2, W4: a functional model with explicit initial states, [x, h0(, c0)] → [y, hN(, cN)]
  const { I, H, B, T } = w;
  const lstm = w.cell === "lstm";
  const layer = recurrentLayer(w.cell, H, { returnSequences: true, returnState: true });
  const xIn = tf.input({ batchShape: [B, null, I] });
  const states = (lstm ? [0, 1] : [0]).map(() => tf.input({ batchShape: [B, H] }));
  const outs = layer.apply(xIn, { initialState: states });
  const model = tf.model({ inputs: [xIn, ...states], outputs: outs });
  layer.setWeights(cellWeights(readWeights(w.weights), "", w.cell, H, I));
  const zeros = (lstm ? [0, 1] : [0]).map(() => tf.zeros([B, H]));
  // tfjs is batch-major: x [B, T, I] from the time-major [T, B, I]
  const xb = new Float32Array(B * T * I);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) xb.set(inputs.x.subarray((t * B + b) * I, (t * B + b + 1) * I), (b * T + t) * I);
  let run;
  if (w.stepwise) {
    // a streaming caller: each step's x arrives as a new tensor, its output is read, the state is fed back
    run = () => {
      let state = zeros.map((z) => z.clone());
      let last;
      for (let t = 0; t < T; t++) {
        const xt = tf.tensor3d(xb.subarray(t * I, (t + 1) * I), [1, 1, I]);
        const [yt, ...next] = model.predictOnBatch([xt, ...state]);
        last = yt.dataSync();
        xt.dispose(); yt.dispose();
        for (const s of state) s.dispose();
        state = next;
      }
      const hN = state[0].dataSync();
      for (const s of state) s.dispose();
      return { hN, last };
    };
  } else {
    const x = tf.tensor3d(xb, [B, T, I]);
    run = () => {
      const [y, ...fin] = model.predictOnBatch([x, ...zeros]);
      const output = y.dataSync();
      const hN = fin[0].dataSync();
      y.dispose(); for (const f of fin) f.dispose();
      return { output, hN };
    };
  }
  const check = () => {
    const r = run();
    const out = { hN: r.hN };
    if (r.output && B === 1) out.output = r.output; // [1, T, H] = [T, 1, H]
    return out;
  };
  return { info, memory, run, check, form: info.form };
}
