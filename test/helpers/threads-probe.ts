// Run as a child process by threads.test.ts: computes large-enough products that the pool splits them (GEMMs,
// the GEMVs of batch-1 steps and int8 products) on `threads` threads, and prints hashes of everything (outputs, gradients,
// trained weights) as JSON.

import { createHash } from "node:crypto";
import { init, LSTM, GRU, LanguageModel, Trainer, quantize, type BuildName } from "../../src/index.js";

const threads = Number(process.argv[2] ?? "1");
const build = process.env.WASM_RNN_BUILD as BuildName | undefined;
const info = await init({ threads, ...(build ? { build } : {}) });

const hash = (a: Float32Array) => createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex").slice(0, 16);
const wave = (n: number, f: number) => new Float32Array(n).map((_, i) => Math.sin(i * f));

const result: Record<string, unknown> = { ...info };
for (const [name, layer] of [["lstm", new LSTM({ inputSize: 40, hiddenSize: 96, bidirectional: true, numLayers: 2, seed: 3 })], ["gru", new GRU({ inputSize: 40, hiddenSize: 96, seed: 4 })]] as const) {
  const T = 20, B = 24, D = layer.config.bidirectional ? 2 : 1;
  const r = layer.forward(wave(T * B * 40, 0.37), { seqLen: T, batch: B });
  const g = layer.backward({ dOutput: wave(T * B * D * 96, 0.11) });
  result[name] = { output: hash(r.output), hN: hash(r.hN), dx: hash(g.dx), ...Object.fromEntries(Object.entries(g.grads).map(([k, v]) => [k, hash(v)])) };
}
// batch 1: the per-step W_hh products are GEMVs (262k multiply-adds each), split by groups of columns
{
  const layer = new LSTM({ inputSize: 64, hiddenSize: 256, seed: 5 });
  const T = 12;
  const r = layer.forward(wave(T * 64, 0.23), { seqLen: T, batch: 1 });
  const g = layer.backward({ dOutput: wave(T * 256, 0.19) });
  const stream = layer.stream({ batch: 1 });
  let y: Float32Array = new Float32Array(0);
  for (let t = 0; t < T; t++) y = stream.step(wave(64, 0.05 * (t + 1)));
  result.batch1 = { output: hash(r.output), hN: hash(r.hN), cN: hash(r.cN!), dx: hash(g.dx), stream: hash(y), ...Object.fromEntries(Object.entries(g.grads).map(([k, v]) => [k, hash(v)])) };
}
// int8 products, split by groups of columns at batch 1 (262k multiply-adds per step) and batched
{
  const layer = quantize(new GRU({ inputSize: 64, hiddenSize: 256, seed: 6 }), { weights: "int8" });
  const one = layer.forward(wave(12 * 64, 0.29), { seqLen: 12, batch: 1 });
  const many = layer.forward(wave(10 * 6 * 64, 0.31), { seqLen: 10, batch: 6 });
  result.int8 = { one: hash(one.output), hN: hash(one.hN), many: hash(many.output) };
}
const lm = new LanguageModel({ vocabSize: 28, cell: "lstm", hiddenSize: 128, embedSize: 16 });
const ids = Int32Array.from({ length: 6000 }, (_, i) => (i * 7 + (i >> 3)) % 28);
const trainer = new Trainer(lm, ids, { batchSize: 32, seqLen: 20, optimizer: { name: "adam", lr: 0.01 }, clip: 1 });
const losses = [trainer.trainEpoch().loss, trainer.trainEpoch().loss];
result.lm = { losses, ...Object.fromEntries(Object.entries(lm.torchParams()).map(([k, v]) => [k, hash(v)])) };
console.log(JSON.stringify(result));
