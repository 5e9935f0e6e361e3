// Fingerprints of public results — layer outputs and gradients, trained weights and losses, generated text —
// through the public API only, so the same function can run against another version of the library. The
// recorded values in test/fixtures/determinism.json were made with the library before the module refactor
// (commit a492369): a refactor must keep every one of them, bit for bit, on each build.

import { createHash } from "node:crypto";
import type * as Lib from "../../src/index.js";

type Library = typeof Lib;

const hash = (a: Float32Array | Float64Array | Int32Array | number[]): string => {
  const bytes = Array.isArray(a) ? new Uint8Array(new Float64Array(a).buffer) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return createHash("sha256").update(bytes).digest("hex").slice(0, 16);
};
const wave = (n: number, f: number) => new Float32Array(n).map((_, i) => Math.sin(i * f));

function hashAll(record: Record<string, Float32Array | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined).map(([k, v]) => [k, hash(v!)]));
}

/** Every fingerprint by name (a flat record of short hashes and numbers). */
export function fingerprints(lib: Library): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const layers: [string, () => Lib.RecurrentLayer, number, number, boolean][] = [
    ["lstm-bidir-2l", () => new lib.LSTM({ inputSize: 5, hiddenSize: 9, numLayers: 2, bidirectional: true, seed: 3, dropout: 0.3 }), 7, 3, true],
    ["lstm-b1", () => new lib.LSTM({ inputSize: 6, hiddenSize: 33, seed: 4 }), 9, 1, false],
    ["gru-ra-batchfirst", () => new lib.GRU({ inputSize: 4, hiddenSize: 10, batchFirst: true, seed: 5 }), 6, 4, true],
    ["gru-rb-b1", () => new lib.GRU({ inputSize: 3, hiddenSize: 12, resetAfter: false, seed: 6 }), 8, 1, false],
    ["rnn-relu-nobias", () => new lib.RNN({ inputSize: 7, hiddenSize: 5, nonlinearity: "relu", bias: false, numLayers: 3, seed: 7 }), 5, 2, true],
  ];
  for (const [name, make, T, B, lengths] of layers) {
    const layer = make();
    const c = layer.config, D = c.bidirectional ? 2 : 1;
    const options = { seqLen: T, batch: B, ...(lengths ? { lengths: Array.from({ length: B }, (_, b) => T - (b % T)) } : {}) };
    const r = layer.forward(wave(T * B * c.inputSize, 0.37), options);
    const g = layer.backward({ dOutput: wave(T * B * D * c.hiddenSize, 0.11), dhN: wave(c.numLayers * D * B * c.hiddenSize, 0.7) });
    out[name] = { ...hashAll({ output: r.output, hN: r.hN, cN: r.cN, dx: g.dx, dh0: g.dh0, dc0: g.dc0 }), grads: hashAll(g.grads) };
    if (!c.bidirectional) {
      const stream = layer.stream({ batch: B });
      let y: Float32Array = new Float32Array(0);
      for (let t = 0; t < T; t++) y = stream.step(wave(B * c.inputSize, 0.05 * (t + 1)));
      out[`${name}-stream`] = hash(y);
      stream.dispose();
    }
    layer.dispose();
  }

  const ids = Int32Array.from({ length: 3000 }, (_, i) => (i * 7 + (i >> 3)) % 23);
  const vocab = lib.Vocabulary.fromJSON({ level: "char", unk: "<unk>", tokens: ["<unk>", ...Array.from({ length: 22 }, (_, i) => String.fromCharCode(97 + i))] });
  const models: [string, Lib.LanguageModelOptions, Lib.TrainerOptions][] = [
    ["gru-2l-dropout-seq-adam", { vocabSize: 23, cell: "gru", hiddenSize: 16, embedSize: 6, numLayers: 2, dropout: 0.25, seed: 1 },
      { batchSize: 6, seqLen: 9, optimizer: { name: "adam", lr: 0.01 }, clip: 1, seed: 2 }],
    ["lstm-random-sgd-momentum", { vocabSize: 23, cell: "lstm", hiddenSize: 12, embedSize: 5, seed: 3 },
      { batchSize: 4, seqLen: 11, partition: "random", optimizer: { name: "sgd", lr: 0.5, momentum: 0.9 }, schedule: { kind: "cosine", total: 200 }, seed: 4 }],
    ["rnn-onehot-bidir-adamw", { vocabSize: 23, cell: "rnn", hiddenSize: 10, bidirectional: true, seed: 5 },
      { batchSize: 5, seqLen: 8, optimizer: { name: "adamw", lr: 0.005 }, clip: 0.5, seed: 6 }],
  ];
  for (const [name, options, trainer] of models) {
    const lm = new lib.LanguageModel(options);
    const t = new lib.Trainer(lm, ids, trainer);
    const losses = [t.trainEpoch().loss, t.trainEpoch().loss];
    const perplexity = lib.evaluatePerplexity(lm, ids.subarray(0, 500), { batchSize: 4, seqLen: 16 }).perplexity;
    const greedy = [...lib.generateIds(lm, [1, 2, 3], 30, { greedy: true })];
    const sampled = lib.generateText(lm, vocab, "abc", 30, { temperature: 0.8, topK: 5, seed: 9 });
    out[name] = { losses: hash(losses), perplexity: hash([perplexity]), weights: hashAll(lm.torchParams()), greedy: hash(greedy), sampled };
    t.dispose();
    lm.dispose();
  }
  return out;
}
