// wasm-rnn, through the BUILT library (npm run build → dist/), as a user would call it.
//   options.build: "simd" | "relaxed" (the worker runs under --experimental-wasm-relaxed-simd for "relaxed")
//   options.threads: 1, or n > 1 for init({ threads: n }) where the library has it (feature-detected)

import { WORKLOADS, workloadInputs, readWeights, torchDict } from "../common.mjs";

export async function create(id, options = {}) {
  const lib = await import("../../dist/src/index.js");
  const { runtime } = await import("../../dist/src/init.js");
  const threads = options.threads ?? 1;
  const build = options.build ?? "simd";
  let initResult;
  try {
    initResult = await lib.init(threads > 1 ? { build, threads } : { build });
  } catch (e) {
    if (threads > 1) return { na: `init({ threads: ${threads} }) threw: ${e.message.split("\n")[0]}` };
    throw e;
  }
  const rt = runtime();
  if (threads > 1) {
    // init() ignored unknown options until the threaded mode landed: trust only a runtime that reports threads
    const reported = initResult?.threads ?? rt.threads ?? rt.threadCount ?? rt.pool?.size;
    if (reported !== threads) {
      return { na: `init({ threads: ${threads} }) is not available in this build of the library (init() reports ${reported === undefined ? "no thread count" : `threads = ${reported}`})` };
    }
  }
  const w = WORKLOADS[id];
  const inputs = workloadInputs(id);
  const info = { build: initResult.build, threads };
  const memory = () => ({ wasmMemory: rt.heap.bytesReserved, wasmInUse: rt.heap.bytesInUse });

  if (id === "GEMM512") {
    const { k, heap } = rt;
    const { M, K, N } = w;
    const A = heap.alloc(M * K * 4);
    heap.f32(A, M * K).set(inputs.A);
    const Bsrc = heap.alloc(K * N * 4);
    heap.f32(Bsrc, K * N).set(readWeights(w.weights).B.data);
    const Bp = heap.alloc(k.packedSize(K, N) * 4);
    k.packRows(Bsrc, N, K, N, Bp); // B [K, N] row-major, packed once (as the layers pack a weight once per update)
    const C = heap.alloc(M * N * 4);
    const run = () => k.gemm(M, N, K, A, K, 1, Bp, C, N, false);
    return { info, memory, run, check: () => { run(); return { C: heap.f32(C, M * N).slice() }; } };
  }

  if (w.task) {
    // W5 / W6: the task models through Sequential (bench/tasks/README.md), one training step per call
    if (typeof lib.Sequential !== "function") return { na: "Sequential is not in this build of the library" };
    const seq = lib.Sequential.fromConfig(w.task === "classify"
      ? [
        { name: "emb", type: "Embedding", numEmbeddings: w.V, embeddingDim: w.E },
        { name: "rnn", type: "LSTM", inputSize: w.E, hiddenSize: w.H, bidirectional: true },
        { name: "pool", type: "Pool", mode: "mean" },
        { name: "fc", type: "Linear", inFeatures: 2 * w.H, outFeatures: w.C },
      ]
      : [
        { name: "rnn", type: "LSTM", inputSize: w.I, hiddenSize: w.H },
        { name: "pool", type: "Pool", mode: "last" },
        { name: "fc", type: "Linear", inFeatures: w.H, outFeatures: w.O },
      ]);
    seq.loadTorchParams(torchDict(readWeights(w.weights)));
    seq.train();
    const groups = seq.parameterGroups();
    const optimizer = new lib.Optimizer(groups, { name: "adam", lr: w.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const opts = w.task === "classify"
      ? { seqLen: w.T, batch: w.B, lengths: inputs.lengths, target: inputs.targets, loss: { type: "crossEntropy" } }
      : { seqLen: w.T, batch: w.B, target: inputs.targets, loss: { type: "mse" } };
    const input = w.task === "classify" ? inputs.tokens : inputs.x;
    const step = () => {
      const { loss } = seq.forward(input, opts);
      seq.runBackward(); // the gradients stay in wasm memory, where the optimizer reads them (as TaskTrainer)
      if (w.clip) lib.clipGradientNorm(groups, w.clip);
      optimizer.step();
      return loss;
    };
    return { info, memory, run: step, check: () => ({ loss: [step(), step()] }) };
  }

  if (w.train) {
    const lm = new lib.LanguageModel({ vocabSize: w.V, cell: w.cell, hiddenSize: w.H });
    lm.loadTorchParams(torchDict(readWeights(w.weights)));
    const groups = lm.parameterGroups();
    const optimizer = new lib.Optimizer(groups, { name: "sgd", lr: 1 });
    const { tokens, targets } = inputs;
    // one training step exactly as Trainer.trainEpoch does it (state from zeros: no carried h0/c0)
    const step = () => {
      const loss = lm.run(tokens, targets, w.T, w.B, null, null, true);
      lm.runBackward();
      lib.clipGradientNorm(groups, 1);
      optimizer.step();
      lm.paramsChanged();
      return loss;
    };
    const check = () => {
      const out = { loss: [step(), step()] };
      if (w.cell === "gru") {
        // reference for peers whose GRU is the reset-before form (tfjs): the same weights, resetAfter false
        const rb = new lib.LanguageModel({ vocabSize: w.V, cell: "gru", hiddenSize: w.H, resetAfter: false });
        rb.loadTorchParams(torchDict(readWeights(w.weights)));
        out.alt = { "reset-before": { loss: [rb.forward(tokens, targets, { seqLen: w.T, batch: w.B }).loss] } };
        rb.dispose();
      }
      return out;
    };
    return { info, memory, run: step, check };
  }

  if (w.quantized) {
    // W1-int8 / W4-int8: the float32 layer of W1 / W4, quantized (int8 weights, activations quantized per row)
    if (typeof lib.quantize !== "function") return { na: "quantize() is not in this build of the library" };
    const Layer = w.cell === "lstm" ? lib.LSTM : lib.GRU;
    const f32 = new Layer({ inputSize: w.I, hiddenSize: w.H });
    f32.loadTorchParams(torchDict(readWeights(w.weights)));
    const layer = lib.quantize(f32, { weights: w.quantized });
    const opts = { seqLen: w.T, batch: w.B };
    const run = () => layer.forward(inputs.x, opts);
    const check = () => {
      const r = run(), r32 = f32.forward(inputs.x, opts);
      return { hN: r.hN, output: r.output, f32: { hN: r32.hN, output: r32.output } };
    };
    return { info, memory, run, check };
  }

  // W1, W1s, W2, W4: one layer, PyTorch weights
  //   options.api = "stream" (W1s only): layer.stream() instead of forward() with h0/c0
  const Layer = w.cell === "lstm" ? lib.LSTM : lib.GRU;
  const layer = new Layer({ inputSize: w.I, hiddenSize: w.H });
  const params = torchDict(readWeights(w.weights));
  layer.loadTorchParams(params);
  const { x } = inputs;
  const lstm = w.cell === "lstm";
  let run;
  if (w.stepwise && options.api === "stream") {
    // layer.stream(): one step per call with the state kept in wasm memory (where the library has it)
    if (typeof layer.stream !== "function") return { na: "layer.stream() is not in this build of the library" };
    const I = w.I;
    const stream = layer.stream({ batch: 1 });
    run = () => {
      stream.reset();
      let y;
      for (let t = 0; t < w.T; t++) y = stream.step(x.subarray(t * I, (t + 1) * I));
      return { hN: y };
    };
    info.api = "stream()";
  } else if (w.stepwise) {
    // the public API, one step per call, the state carried from call to call
    const I = w.I, n = w.H;
    run = () => {
      let h = new Float32Array(n), c = lstm ? new Float32Array(n) : undefined;
      let out;
      for (let t = 0; t < w.T; t++) {
        const r = layer.forward(x.subarray(t * I, (t + 1) * I), lstm ? { seqLen: 1, batch: 1, h0: h, c0: c } : { seqLen: 1, batch: 1, h0: h });
        h = r.hN; c = r.cN; out = r;
      }
      return out;
    };
  } else {
    const opts = { seqLen: w.T, batch: w.B };
    run = () => layer.forward(x, opts);
  }
  const check = () => {
    const r = run();
    const out = { hN: r.hN, ...(w.stepwise ? {} : { output: r.output }) };
    if (w.cell === "gru") {
      const rb = new lib.GRU({ inputSize: w.I, hiddenSize: w.H, resetAfter: false });
      rb.loadTorchParams(params);
      const r2 = rb.forward(x, { seqLen: w.T, batch: w.B });
      out.alt = { "reset-before": { hN: r2.hN, output: r2.output } };
      rb.dispose();
    }
    return out;
  };
  return { info, memory, run, check };
}
