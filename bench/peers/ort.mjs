// ONNX Runtime: onnxruntime-web (its wasm build, run in Node, one thread) or onnxruntime-node (native CPU,
// intraOpNumThreads = threads). The models are bench/models/*.onnx, written by bench/make-onnx.mjs from the
// same PyTorch weights wasm-rnn uses (ONNX LSTM / GRU with linear_before_reset = 1, MatMul).
// W1-int8: com.microsoft DynamicQuantizeLSTM (int8 per-channel weights, make-onnx.mjs), checked against the f32
// LSTM model in the same runtime. W4-int8: n/a, ONNX Runtime has no quantized GRU operator.

import path from "node:path";
import { WORKLOADS, MODELS_DIR, workloadInputs } from "../common.mjs";

export async function create(id, options = {}) {
  const flavor = options.flavor ?? "node";
  const threads = options.threads ?? 1;
  const w = WORKLOADS[id];
  if (w.train) {
    return { na: "inference only: onnxruntime-web / onnxruntime-node have no training API (onnxruntime-training is a separate build)" };
  }
  if (w.quantized && w.cell !== "lstm") {
    return { na: `no quantized ${w.cell.toUpperCase()} in ONNX Runtime: com.microsoft has DynamicQuantizeLSTM only, and quantize_dynamic leaves a ${w.cell.toUpperCase()} node in float32` };
  }
  let ort, sessionOptions;
  if (flavor === "web") {
    ort = await import("onnxruntime-web");
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    sessionOptions = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };
  } else {
    ort = await import("onnxruntime-node");
    sessionOptions = {
      executionProviders: ["cpu"], graphOptimizationLevel: "all",
      intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: "sequential",
    };
  }
  const session = await ort.InferenceSession.create(path.join(MODELS_DIR, `${w.onnx ?? w.weights}.onnx`), sessionOptions);
  const info = { ort: ort.env.versions?.[flavor] ?? ort.env.versions?.common, flavor, threads };
  if (flavor === "web") info.numThreads = ort.env.wasm.numThreads;
  const inputs = workloadInputs(id);
  const T32 = (data, dims) => new ort.Tensor("float32", data, dims);

  if (id === "GEMM512") {
    const feeds = { A: T32(inputs.A, [w.M, w.K]) };
    const run = async () => (await session.run(feeds)).C;
    return { info, run, async: true, check: async () => ({ C: (await run()).data.slice() }) };
  }

  const { I, H, B, T } = w;
  const lstm = w.cell === "lstm";
  const zeros = () => T32(new Float32Array(B * H), [1, B, H]);
  let run;
  if (w.stepwise) {
    // one session.run per step; Y_h / Y_c of a step are the next step's initial_h / initial_c
    const fetches = lstm ? ["Y_h", "Y_c"] : ["Y_h"];
    run = async () => {
      let h = zeros(), c = lstm ? zeros() : undefined;
      for (let t = 0; t < T; t++) {
        const feeds = { X: T32(inputs.x.subarray(t * I, (t + 1) * I), [1, 1, I]), initial_h: h };
        if (lstm) feeds.initial_c = c;
        const r = await session.run(feeds, fetches);
        h = r.Y_h; c = r.Y_c;
      }
      return { hN: h.data };
    };
  } else {
    const feeds = { X: T32(inputs.x, [T, B, I]), initial_h: zeros() };
    if (lstm) feeds.initial_c = zeros();
    run = async () => {
      const r = await session.run(feeds);
      return { output: r.Y.data, hN: r.Y_h.data };
    };
  }
  const check = async () => {
    const r = await run();
    const out = { hN: r.hN.slice(), ...(r.output ? { output: r.output.slice() } : {}) };
    if (w.quantized) {
      // the float32 model of the same weights in the same runtime, once, for max |Δ| vs float32
      const f32 = await ort.InferenceSession.create(path.join(MODELS_DIR, `${w.weights}.onnx`), sessionOptions);
      const feeds = { X: T32(inputs.x, [T, B, I]), initial_h: zeros() };
      if (lstm) feeds.initial_c = zeros();
      const r32 = await f32.run(feeds);
      out.f32 = { hN: r32.Y_h.data.slice(), output: r32.Y.data.slice() };
      await f32.release();
    }
    return out;
  };
  return { info, run, async: true, check };
}
