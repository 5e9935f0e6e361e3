// brain.js 1.6.1 (npm "latest"): recurrent.LSTMTimeStep / GRUTimeStep, plain JavaScript, batch 1.
// What its API can and cannot express:
// - W1, W4: run(sequence) over 256 steps, with the PyTorch weights copied into its per-gate matrices (bias
//   b_ih + b_hh). It always adds an output layer (hidden → outputSize); the timed model has outputSize 1
//   (256 multiply-adds per step), the checked one an identity 256 × 256 so that its output is h_T.
//   Its GRU is the reset-before form with PyTorch's update convention, so W4 is checked against wasm-rnn's
//   GRU({ resetAfter: false }). Its LSTM is NOT a standard LSTM: it keeps no cell state (the forget gate
//   multiplies h_{t−1} where c_{t−1} belongs), so W1 is timed but its output cannot match.
// - W1s: n/a, run() always starts from a zero state and there is no way to pass h / c between calls.
// - W2: no batch dimension; the row runs the 32 sequences one after another (same arithmetic).
// - W3: n/a, its recurrent.LSTM/GRU/RNN train on strings one sequence at a time through an embedding, with
//   per-element clipping and an RMSProp-style update: no batch, one-hot input, global-norm clip or plain SGD.
// - GEMM512: n/a, no public matrix product.
// - W5: n/a. Its recurrent nets take numbers or character strings one sequence at a time: no embedding of token
//   ids into a trained table joined to a recurrent layer (recurrent.LSTM's own embedding is a character
//   language model's), no bidirectional layer, no pooling over steps, no classification head or
//   cross-entropy on a label per sequence, no batches, no Adam.
// - W6: LSTMTimeStep({ inputSize: 3, hiddenLayers: [64], outputSize: 3 }) trained with trainPattern() on each
//   of the 64 windows of 56 steps × 3 features, one after another: it learns to predict each next step's 3
//   values from the current one (a squared error at every step, output layer 64 → 3 at each step), and updates
//   the weights after every window with its RMSProp-style rule and per-element clipping. What it cannot
//   express: a batch, a single 28-value output after the last step (its output size must equal its input size),
//   MSE on that output, Adam; and its LSTM keeps no cell state. So the row times the same recurrent work (hidden
//   64, 56 steps, 3 inputs, forward and backward, 64 sequences) in brain.js's form, and its loss cannot be
//   compared. The initial weights are brain.js's own (random).

import { WORKLOADS, workloadInputs, readWeights, add } from "../common.mjs";

/** W6 in brain.js's form: LSTMTimeStep, next-step prediction over each 56-step window, 64 windows per call. */
function forecaster(brain, w) {
  const { x } = workloadInputs("W6");
  const windows = Array.from({ length: w.B }, (_, b) =>
    Array.from({ length: w.T }, (_, t) => Array.from(x.subarray((t * w.B + b) * w.I, (t * w.B + b + 1) * w.I))));
  const net = new brain.recurrent.LSTMTimeStep({ inputSize: w.I, hiddenLayers: [w.H], outputSize: w.I });
  net.train([windows[0]], { iterations: 0 }); // initialises the net and picks trainArrays for this data shape
  const run = () => { let err = 0; for (const s of windows) err += net.trainPattern(s, true); return err / windows.length; };
  const info = { brain: "1.6.1", batching: `${w.B} windows one by one, an update after each`, form: "no cell state; next-step prediction, output 3 per step; RMSProp-style update" };
  return { info, run, check: () => ({ loss: [run()] }), form: "brain-lstm" };
}

const NA = {
  W1s: "run() always starts from a zero state; no API to carry h/c from one call to the next",
  "W3-lstm": "cannot express it: trains strings one sequence at a time through an embedding, per-element clipping and an RMSProp-style update (no batches, one-hot input, global-norm clip, or SGD)",
  GEMM512: "no public matrix-product API",
  W5: "cannot express it: no trained embedding of token ids feeding a recurrent layer, no bidirectional layer, pooling, per-sequence classification head, batches or Adam",
};
NA["W3-gru"] = NA["W3-rnn"] = NA["W3-lstm"];

export async function create(id) {
  if (NA[id]) return { na: NA[id] };
  const brain = (await import("brain.js")).default;
  const w = WORKLOADS[id];
  if (id === "W6") return forecaster(brain, w);
  const { I, H, B, T } = w;
  const p = readWeights(w.weights);
  // rows of gate g of a PyTorch tensor: [G·H, I] and [G·H, H] weights, [G·H] biases
  const rows = (name, g) => {
    const cols = name === "weight_ih_l0" ? I : name === "weight_hh_l0" ? H : 1;
    return p[name].data.subarray(g * H * cols, (g + 1) * H * cols);
  };
  const bias = (g) => add(rows("bias_ih_l0", g), rows("bias_hh_l0", g));
  const build = (outputSize) => {
    const Net = w.cell === "lstm" ? brain.recurrent.LSTMTimeStep : brain.recurrent.GRUTimeStep;
    const net = new Net({ inputSize: I, hiddenLayers: [H], outputSize });
    net.initialize();
    net.bindEquation();
    const L = net.model.hiddenLayers[0];
    // PyTorch gate g → brain.js matrices (x-part, h-part, bias)
    const map = w.cell === "lstm"
      ? { 0: "input", 1: "forget", 2: "cellActivation", 3: "output" }
      : { 0: "resetGate", 1: "updateGate", 2: "cellWrite" };
    for (const [g, name] of Object.entries(map)) {
      const xm = w.cell === "lstm" ? `${name}Matrix` : `${name}InputMatrix`;
      const hm = w.cell === "lstm" ? `${name}Hidden` : `${name}HiddenMatrix`;
      L[xm].weights.set(rows("weight_ih_l0", +g));
      L[hm].weights.set(rows("weight_hh_l0", +g));
      L[`${name}Bias`].weights.set(bias(+g));
    }
    const oc = net.model.outputConnector.weights;
    oc.fill(0);
    if (outputSize === H) for (let i = 0; i < H; i++) oc[i * H + i] = 1;
    net.model.output.weights.fill(0);
    return net;
  };
  const { x } = workloadInputs(id);
  // one sequence per run(): an array of T steps, each an array of I numbers (batch b of time-major x)
  const sequence = (b) => Array.from({ length: T }, (_, t) => Array.from(x.subarray((t * B + b) * I, (t * B + b + 1) * I)));
  const seqs = Array.from({ length: B }, (_, b) => sequence(b));
  const timed = build(1);
  const run = () => { let y; for (const s of seqs) y = timed.run(s); return y; };
  const info = { brain: "1.6.1", batching: B > 1 ? `${B} sequences one by one` : "none", form: w.cell === "gru" ? "reset-before" : "no cell state (not a standard LSTM)" };
  const check = () => {
    const net = build(H);
    const hN = new Float32Array(B * H);
    seqs.forEach((s, b) => hN.set(net.run(s), b * H));
    return { hN };
  };
  return { info, run, check, form: w.cell === "gru" ? "reset-before" : "brain-lstm" };
}
