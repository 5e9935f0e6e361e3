// Spam vs ham on the SpamAssassin corpus with wasm-rnn (bench/tasks/README.md has the spec):
// Embedding(20002, 32) → BiLSTM 128 over each message's length → pool over valid steps → Linear(256 → 2),
// cross-entropy, Adam 2e-3, clip 1, batch 32; accuracy and F1 (spam positive) on the 20 % test part beside
// multinomial naive Bayes and the stored PyTorch figures (bench/tasks/pytorch-tasks.json).
//
//   node bench/tasks/spam.mjs [--epochs N] [--build simd|relaxed] [--threads 2] [--json file]
//
// Run pinned to one core for the timing (`taskset -c 1 node bench/tasks/spam.mjs`).

import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpam, permutation } from "./data.mjs";
import { naiveBayesSpam, binaryMetrics } from "./baselines.mjs";
import { library, storedPytorch, machineLine, taskArgs, writeResult, fmtSeconds } from "./common.mjs";

export const SPAM_MODEL = { embed: 32, hidden: 128, pool: "max", batch: 32, lr: 2e-3, clip: 1, epochs: 4, shuffleSeed: 1000, seed: 0 };

export function spamModules(vocabSize) {
  return [
    { name: "emb", type: "Embedding", numEmbeddings: vocabSize, embeddingDim: SPAM_MODEL.embed },
    { name: "rnn", type: "LSTM", inputSize: SPAM_MODEL.embed, hiddenSize: SPAM_MODEL.hidden, bidirectional: true },
    { name: "pool", type: "Pool", mode: SPAM_MODEL.pool },
    { name: "fc", type: "Linear", inFeatures: 2 * SPAM_MODEL.hidden, outFeatures: 2 },
  ];
}

/** A time-major batch: ids [T·B] padded with 0, lengths [B], class ids [B]. */
export function spamBatch(spam, indices) {
  const B = indices.length;
  const lengths = Int32Array.from(indices, (i) => spam.records[i].ids.length);
  const T = Math.max(...lengths);
  const ids = new Int32Array(T * B);
  indices.forEach((i, b) => { const r = spam.records[i].ids; for (let t = 0; t < r.length; t++) ids[t * B + b] = r[t]; });
  return { ids, lengths, targets: Int32Array.from(indices, (i) => spam.records[i].label), seqLen: T, batch: B };
}

export async function runSpam(options = {}) {
  const log = options.quiet ? () => {} : (s) => console.log(s);
  const epochs = options.epochs ?? SPAM_MODEL.epochs;
  const { lib, build, threads } = await library(options);
  const spam = loadSpam();
  const model = lib.Sequential.fromConfig(spamModules(spam.vocab.length), { seed: SPAM_MODEL.seed });
  const groups = model.parameterGroups();
  const optimizer = new lib.Optimizer(groups, { name: "adam", lr: SPAM_MODEL.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const ce = { type: "crossEntropy" };
  log(`spam: ${spam.train.length} train / ${spam.test.length} test messages, vocabulary ${spam.vocab.length}; wasm-rnn ${build}, ${threads} thread${threads > 1 ? "s" : ""}; ${machineLine()}`);

  const epochRows = [];
  let trainSeconds = 0;
  model.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = permutation(spam.train.length, SPAM_MODEL.shuffleSeed + epoch).map((k) => spam.train[k]);
    const t0 = performance.now();
    let lossSum = 0, tokens = 0;
    for (let s = 0; s < order.length; s += SPAM_MODEL.batch) {
      const b = spamBatch(spam, order.slice(s, s + SPAM_MODEL.batch));
      const { loss } = model.forward(b.ids, { seqLen: b.seqLen, batch: b.batch, lengths: b.lengths, target: b.targets, loss: ce });
      model.runBackward(); // gradients stay in wasm memory, where the optimizer reads them
      lib.clipGradientNorm(groups, SPAM_MODEL.clip);
      optimizer.step();
      lossSum += loss * b.batch;
      for (const l of b.lengths) tokens += l;
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    epochRows.push({ epoch: epoch + 1, trainLoss: lossSum / order.length, seconds, tokensPerSecond: tokens / seconds });
    log(`  epoch ${epoch + 1}: train loss ${(lossSum / order.length).toFixed(4)}, ${seconds.toFixed(1)} s (${Math.round(tokens / seconds).toLocaleString("en-US")} tokens/s)`);
  }
  model.eval();
  const predictions = [];
  const t0 = performance.now();
  for (let s = 0; s < spam.test.length; s += 128) {
    const b = spamBatch(spam, spam.test.slice(s, s + 128));
    const { output } = model.forward(b.ids, { seqLen: b.seqLen, batch: b.batch, lengths: b.lengths });
    for (let i = 0; i < b.batch; i++) predictions.push(output[i * 2 + 1] > output[i * 2] ? 1 : 0);
  }
  const evalSeconds = (performance.now() - t0) / 1000;
  const test = binaryMetrics(spam.test.map((i) => spam.records[i].label), predictions);
  model.dispose();
  optimizer.dispose?.();
  const nb = naiveBayesSpam(spam);
  const pt = storedPytorch()?.spam ?? null;

  log("");
  log(`spam, ${spam.test.length} test messages (spam = positive):`);
  const pct = (x) => `${(x * 100).toFixed(2)} %`.padStart(9);
  const line = (name, m, extra = "") => log(`  ${name.padEnd(38)} accuracy ${pct(m.accuracy)}  precision ${pct(m.precision)}  recall ${pct(m.recall)}  F1 ${m.f1.toFixed(4)}  (fp ${m.fp}, fn ${m.fn})${extra}`);
  line("naive Bayes, first 256 tokens", nb.sameTokens);
  line("naive Bayes, all tokens (reference)", nb.allTokens);
  line("wasm-rnn BiLSTM", test, `  trained in ${fmtSeconds(trainSeconds)} (${fmtSeconds(trainSeconds / epochs)}/epoch)`);
  if (pt) line("PyTorch BiLSTM (stored)", pt.test, `  trained in ${fmtSeconds(pt.trainSeconds)} (${fmtSeconds(pt.secondsPerEpoch)}/epoch)`);
  const beats = test.f1 > nb.sameTokens.f1;
  log(`  wasm-rnn ${beats ? "beats" : "does NOT beat"} naive Bayes on F1: ${test.f1.toFixed(4)} vs ${nb.sameTokens.f1.toFixed(4)}`);
  return {
    task: "spam", library: { build, threads }, machine: machineLine(), settings: { ...SPAM_MODEL, epochs, vocab: spam.vocab.length },
    test, epochs: epochRows, trainSeconds, secondsPerEpoch: trainSeconds / epochs, evalSeconds, baseline: nb, pytorch: pt, beatsBaseline: beats,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = taskArgs();
  runSpam(args).then((r) => {
    console.log(`wrote ${path.relative(process.cwd(), writeResult("spam-wasm-rnn", r, args.json))}`);
    if (!r.beatsBaseline) process.exitCode = 1;
  }).catch((e) => { console.error(e); process.exit(1); });
}
