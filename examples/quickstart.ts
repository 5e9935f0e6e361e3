// Quick start: an LSTM learns to recall the input it saw `delay` steps ago, a task that needs memory.
// Uses the layer API only: forward, backward (BPTT), PyTorch-named gradients, and SGD with gradient clipping.
// The readout (a linear map from h_t to one number) and the squared loss are a few lines of JS here.

import { init, GRU, LSTM, RNN, type RecurrentLayer } from "../src/index.js";

const delay = 8, T = 30, B = 32, H = 32, steps = 1000, lr = 1.0;

function makeBatch(seed: number): { x: Float32Array; y: Float32Array } {
  let s = seed;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const x = new Float32Array(T * B).map(rand);
  const y = new Float32Array(T * B);
  for (let t = delay; t < T; t++) for (let b = 0; b < B; b++) y[t * B + b] = x[(t - delay) * B + b];
  return { x, y };
}

function train(name: string, layer: RecurrentLayer): number {
  const w = new Float32Array(H).fill(0), started = performance.now();
  let loss = 0;
  for (let step = 0; step <= steps; step++) {
    const { x, y } = makeBatch(step);
    const { output } = layer.forward(x, { seqLen: T, batch: B });
    // prediction p = h·w, loss = mean (p − y)² over the steps that have a target
    const dOutput = new Float32Array(output.length), dw = new Float32Array(H);
    const n = (T - delay) * B;
    loss = 0;
    for (let t = delay; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const row = (t * B + b) * H;
        let p = 0;
        for (let j = 0; j < H; j++) p += output[row + j] * w[j];
        const e = p - y[t * B + b];
        loss += (e * e) / n;
        for (let j = 0; j < H; j++) {
          dOutput[row + j] = (2 * e * w[j]) / n;
          dw[j] += (2 * e * output[row + j]) / n;
        }
      }
    }
    const { grads } = layer.backward({ dOutput });
    // clip the gradient to global norm 1: without it the plain RNN's gradient explodes through W_hh's powers
    let sq = dw.reduce((a, v) => a + v * v, 0);
    for (const g of Object.values(grads)) sq += g.reduce((a, v) => a + v * v, 0);
    const scale = lr * Math.min(1, 1 / Math.sqrt(sq));
    const params = layer.torchParams();
    for (const key of Object.keys(params)) params[key].forEach((v, i, a) => (a[i] = v - scale * grads[key][i]));
    layer.loadTorchParams(params);
    w.forEach((v, i) => (w[i] = v - scale * dw[i]));
    if (step % 200 === 0) console.log(`${name.padEnd(5)} step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}`);
  }
  console.log(`${name}: ${steps} training steps in ${((performance.now() - started) / 1000).toFixed(2)} s, final loss ${loss.toFixed(4)} (predicting 0 scores ~0.333)\n`);
  layer.dispose();
  return loss;
}

const { build } = await init();
console.log(`wasm-rnn quick start (wasm build: ${build}): recall the input from ${delay} steps back\n`);
train("RNN", new RNN({ inputSize: 1, hiddenSize: H, seed: 1 }));
train("GRU", new GRU({ inputSize: 1, hiddenSize: H, seed: 1 }));
train("LSTM", new LSTM({ inputSize: 1, hiddenSize: H, seed: 1 }));
