// Spam vs ham on the SpamAssassin corpus with wasm-rnn (bench/tasks/README.md has the spec):
// Embedding(20002, 32) → BiLSTM 128 over each message's length → max over valid steps → Dropout(0.3) →
// Linear(256 → 2), cross-entropy, Adam 2e-3, clip 1, batch 32, trained on the training part minus a seeded
// validation part (604 messages) with early stopping on validation F1 (up to 6 epochs, patience 2, the best
// weights kept), then refit on the whole training part for the chosen epochs; accuracy and F1 (spam positive)
// on the 20 % test part, evaluated once, beside multinomial naive Bayes and the stored PyTorch figures
// (bench/tasks/pytorch-tasks.json).
//
//   node bench/tasks/spam.mjs [--epochs N] [--patience N] [--max-tokens N] [--dropout p] [--embed-dropout p]
//                             [--class-weights] [--no-test] [--no-refit] [--build simd|relaxed] [--threads 2] [--json file]
//
// --no-test: a model selection run (the validation part only; the test part is not evaluated).
// Refit (default; --no-refit to score the early-stopped model itself): after early stopping chose the epoch
// count, a fresh model (same seed) is trained on all the training messages, the validation part included, as
// naive Bayes is, for that many epochs, and that model is scored.
//
// Run pinned to one core for the timing (`taskset -c 1 node bench/tasks/spam.mjs`).

import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpam, permutation } from "./data.mjs";
import { naiveBayesSpam, binaryMetrics } from "./baselines.mjs";
import { library, storedPytorch, machineLine, taskArgs, writeResult, fmtSeconds } from "./common.mjs";

export const SPAM_MODEL = { embed: 32, hidden: 128, pool: "max", dropout: 0.3, embedDropout: 0, classWeights: false, batch: 32, lr: 2e-3, clip: 1, epochs: 6, patience: 2, refit: true, shuffleSeed: 1000, seed: 0 };

export function spamModules(vocabSize, dropout = SPAM_MODEL.dropout, embedDropout = SPAM_MODEL.embedDropout) {
  return [
    { name: "emb", type: "Embedding", numEmbeddings: vocabSize, embeddingDim: SPAM_MODEL.embed },
    ...(embedDropout > 0 ? [{ name: "embDrop", type: "Dropout", p: embedDropout }] : []),
    { name: "rnn", type: "LSTM", inputSize: SPAM_MODEL.embed, hiddenSize: SPAM_MODEL.hidden, bidirectional: true },
    { name: "pool", type: "Pool", mode: SPAM_MODEL.pool },
    ...(dropout > 0 ? [{ name: "drop", type: "Dropout", p: dropout }] : []),
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

/** Predicted classes (1 = spam) and the mean cross-entropy of the messages `indices`, in eval mode, batches of 128. */
function predict(model, spam, indices) {
  const predictions = [];
  let lossSum = 0;
  for (let s = 0; s < indices.length; s += 128) {
    const b = spamBatch(spam, indices.slice(s, s + 128));
    const { output } = model.forward(b.ids, { seqLen: b.seqLen, batch: b.batch, lengths: b.lengths });
    for (let i = 0; i < b.batch; i++) {
      const z0 = output[i * 2], z1 = output[i * 2 + 1], m = Math.max(z0, z1);
      const lse = m + Math.log(Math.exp(z0 - m) + Math.exp(z1 - m));
      lossSum += lse - (b.targets[i] ? z1 : z0);
      predictions.push(z1 > z0 ? 1 : 0);
    }
  }
  return { predictions, loss: lossSum / indices.length };
}

/**
 * Trains on the training part minus the validation part (`fit`), evaluates the validation part after every
 * epoch, keeps the weights of the epoch with the best validation F1 (the earliest on ties) and stops when
 * `patience` epochs in a row did not improve it (or after `epochs`); then evaluates the test part once with
 * the kept weights, unless `noTest` (model selection runs).
 */
export async function runSpam(options = {}) {
  const log = options.quiet ? () => {} : (s) => console.log(s);
  const epochs = options.epochs ?? SPAM_MODEL.epochs;
  const patience = options.patience ?? SPAM_MODEL.patience;
  const dropout = options.dropout ?? SPAM_MODEL.dropout;
  const embedDropout = options.embedDropout ?? SPAM_MODEL.embedDropout;
  const { lib, build, threads } = await library(options);
  const spam = loadSpam(options.maxTokens ? { maxTokens: options.maxTokens } : {});
  const maxTokens = spam.settings.maxTokens;
  const model = lib.Sequential.fromConfig(spamModules(spam.vocab.length, dropout, embedDropout), { seed: SPAM_MODEL.seed });
  const groups = model.parameterGroups();
  const optimizer = new lib.Optimizer(groups, { name: "adam", lr: SPAM_MODEL.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const label = (i) => spam.records[i].label;
  // balanced class weights (optional): n / (2 · n_class) over the messages trained on, as torch's weight=
  const classWeights = options.classWeights ?? SPAM_MODEL.classWeights;
  const nSpam = spam.fit.filter((i) => label(i) === 1).length;
  const weights = classWeights ? [spam.fit.length / (2 * (spam.fit.length - nSpam)), spam.fit.length / (2 * nSpam)] : null;
  const ce = weights ? { type: "crossEntropy", classWeights: weights } : { type: "crossEntropy" };
  log(`spam: first ${maxTokens} tokens, dropout ${dropout} (embeddings ${embedDropout}), class weights ${weights ? weights.map((w) => w.toFixed(3)).join(" / ") : "none"}; ${spam.fit.length} train + ${spam.val.length} validation / ${spam.test.length} test messages, vocabulary ${spam.vocab.length}; wasm-rnn ${build}, ${threads} thread${threads > 1 ? "s" : ""}; ${machineLine()}`);
  const nbVal = naiveBayesSpam(spam, { train: spam.fit, test: spam.val, allTokens: false }).sameTokens;
  log(`  naive Bayes (first ${maxTokens} tokens) on the validation part, trained on the other ${spam.fit.length}: F1 ${nbVal.f1.toFixed(4)}, accuracy ${(nbVal.accuracy * 100).toFixed(2)} %`);

  // one epoch over `indices` in a seeded order; returns the mean loss, seconds and tokens/s
  const trainEpoch = (net, opt, params, indices, epoch) => {
    net.train();
    const order = permutation(indices.length, SPAM_MODEL.shuffleSeed + epoch).map((k) => indices[k]);
    const t0 = performance.now();
    let lossSum = 0, tokens = 0;
    for (let s = 0; s < order.length; s += SPAM_MODEL.batch) {
      const b = spamBatch(spam, order.slice(s, s + SPAM_MODEL.batch));
      const { loss } = net.forward(b.ids, { seqLen: b.seqLen, batch: b.batch, lengths: b.lengths, target: b.targets, loss: ce });
      net.runBackward(); // gradients stay in wasm memory, where the optimizer reads them
      lib.clipGradientNorm(params, SPAM_MODEL.clip);
      opt.step();
      lossSum += loss * b.batch;
      for (const l of b.lengths) tokens += l;
    }
    const seconds = (performance.now() - t0) / 1000;
    return { loss: lossSum / order.length, seconds, tokensPerSecond: tokens / seconds };
  };

  const epochRows = [];
  let trainSeconds = 0, best = null, since = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const e = trainEpoch(model, optimizer, groups, spam.fit, epoch);
    trainSeconds += e.seconds;
    model.eval();
    const v = predict(model, spam, spam.val);
    const val = binaryMetrics(spam.val.map(label), v.predictions);
    const improved = best === null || val.f1 > best.f1;
    if (improved) { best = { epoch: epoch + 1, f1: val.f1, params: model.torchParams() }; since = 0; } else since++;
    epochRows.push({ epoch: epoch + 1, trainLoss: e.loss, seconds: e.seconds, tokensPerSecond: e.tokensPerSecond, valLoss: v.loss, val });
    log(`  epoch ${epoch + 1}: train loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(1)} s (${Math.round(e.tokensPerSecond).toLocaleString("en-US")} tokens/s); validation loss ${v.loss.toFixed(4)}, accuracy ${(val.accuracy * 100).toFixed(2)} %, F1 ${val.f1.toFixed(4)} (fp ${val.fp}, fn ${val.fn})${improved ? " *" : ""}`);
    if (since >= patience) break;
  }
  const epochsRun = epochRows.length;
  log(`  kept the weights of epoch ${best.epoch} (validation F1 ${best.f1.toFixed(4)}); trained ${fmtSeconds(trainSeconds)} (${fmtSeconds(trainSeconds / epochsRun)}/epoch)`);
  const settings = { ...SPAM_MODEL, maxTokens, dropout, embedDropout, classWeights: weights, epochs, patience, vocab: spam.vocab.length, train: spam.fit.length, validation: spam.val.length };
  const common = { task: "spam", library: { build, threads }, machine: machineLine(), settings, epochs: epochRows, epochsRun, bestEpoch: best.epoch,
    validation: epochRows[best.epoch - 1].val, naiveBayesValidation: nbVal, trainSeconds, secondsPerEpoch: trainSeconds / epochsRun };
  if (options.noTest) {
    model.dispose();
    optimizer.dispose?.();
    log("  (model selection run: the test part is not evaluated)");
    return { ...common, beatsBaseline: true };
  }
  let final = model, refit = null;
  if (options.refit ?? SPAM_MODEL.refit) {
    // Refit: a fresh model (same seed) trained on all the training messages — those naive Bayes sees — for
    // the number of epochs the validation part chose; nothing is left to validate it on.
    model.dispose();
    optimizer.dispose?.();
    final = lib.Sequential.fromConfig(spamModules(spam.vocab.length, dropout, embedDropout), { seed: SPAM_MODEL.seed });
    const refitGroups = final.parameterGroups();
    const refitOptimizer = new lib.Optimizer(refitGroups, { name: "adam", lr: SPAM_MODEL.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    refit = { epochs: best.epoch, train: spam.train.length, rows: [], seconds: 0 };
    for (let epoch = 0; epoch < best.epoch; epoch++) {
      const e = trainEpoch(final, refitOptimizer, refitGroups, spam.train, epoch);
      refit.rows.push({ epoch: epoch + 1, trainLoss: e.loss, seconds: e.seconds, tokensPerSecond: e.tokensPerSecond });
      refit.seconds += e.seconds;
      log(`  refit epoch ${epoch + 1}/${best.epoch} on all ${spam.train.length} training messages: train loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(1)} s`);
    }
    refitOptimizer.dispose?.();
  } else {
    final.loadTorchParams(best.params);
  }
  final.eval();
  const t0 = performance.now();
  const { predictions } = predict(final, spam, spam.test);
  const evalSeconds = (performance.now() - t0) / 1000;
  const test = binaryMetrics(spam.test.map(label), predictions);
  final.dispose();
  if (!refit) optimizer.dispose?.();
  const nb = naiveBayesSpam(spam);
  const pt = storedPytorch()?.spam ?? null;

  log("");
  log(`spam, ${spam.test.length} test messages (spam = positive):`);
  const pct = (x) => `${(x * 100).toFixed(2)} %`.padStart(9);
  const line = (name, m, extra = "") => log(`  ${name.padEnd(44)} accuracy ${pct(m.accuracy)}  precision ${pct(m.precision)}  recall ${pct(m.recall)}  F1 ${m.f1.toFixed(4)}  (fp ${m.fp}, fn ${m.fn})${extra}`);
  line(`naive Bayes, first ${maxTokens} tokens (4,837 train)`, nb.sameTokens);
  line("naive Bayes, all tokens (reference)", nb.allTokens);
  line(refit ? `wasm-rnn BiLSTM, refit (${spam.train.length} train)` : `wasm-rnn BiLSTM (${spam.fit.length} train)`, test, `  trained in ${fmtSeconds(trainSeconds)} (${epochsRun} epochs, ${fmtSeconds(trainSeconds / epochsRun)}/epoch; epoch ${best.epoch} kept)${refit ? ` + refit ${fmtSeconds(refit.seconds)} (${refit.epochs} epochs)` : ""}`);
  if (pt) line(`PyTorch BiLSTM (stored${pt.refit ? ", refit" : ""})`, pt.test, `  trained in ${fmtSeconds(pt.trainSeconds)} (${pt.epochs.length} epochs, ${fmtSeconds(pt.secondsPerEpoch)}/epoch${pt.bestEpoch ? `; epoch ${pt.bestEpoch} kept` : ""})${pt.refit ? ` + refit ${fmtSeconds(pt.refit.seconds)} (${pt.refit.epochs} epochs)` : ""}`);
  if (pt && (pt.settings.maxTokens ?? 256) !== maxTokens) log(`  (the stored PyTorch figures are for ${pt.settings.maxTokens ?? 256} tokens, not ${maxTokens}: rerun bench/tasks/pytorch_tasks.py --only spam)`);
  const beats = test.f1 > nb.sameTokens.f1;
  log(`  wasm-rnn ${beats ? "beats" : "does NOT beat"} naive Bayes on F1: ${test.f1.toFixed(4)} vs ${nb.sameTokens.f1.toFixed(4)}`);
  return { ...common, refit, test, evalSeconds, baseline: nb, pytorch: pt, beatsBaseline: beats };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = taskArgs(process.argv.slice(2), { "max-tokens": { type: "string" }, dropout: { type: "string" }, "embed-dropout": { type: "string" }, "class-weights": { type: "boolean" }, patience: { type: "string" }, "no-test": { type: "boolean", default: false }, "no-refit": { type: "boolean", default: false } });
  Object.assign(args, {
    maxTokens: args["max-tokens"] === undefined ? undefined : Number(args["max-tokens"]),
    dropout: args.dropout === undefined ? undefined : Number(args.dropout),
    embedDropout: args["embed-dropout"] === undefined ? undefined : Number(args["embed-dropout"]),
    classWeights: args["class-weights"],
    patience: args.patience === undefined ? undefined : Number(args.patience),
    noTest: args["no-test"],
    refit: !args["no-refit"],
  });
  runSpam(args).then((r) => {
    console.log(`wrote ${path.relative(process.cwd(), writeResult("spam-wasm-rnn", r, args.json))}`);
    if (!r.beatsBaseline) process.exitCode = 1;
  }).catch((e) => { console.error(e); process.exit(1); });
}
