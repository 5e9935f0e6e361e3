// The baselines of the task benchmarks, and the metrics every task script reports (bench/tasks/README.md):
//
//   spam    multinomial naive Bayes with Laplace smoothing (α = 1) over the same split and the same tokens the
//           recurrent classifier sees (the first 256 word tokens of subject + body); also over every token of
//           the message, for reference. Accuracy, and precision / recall / F1 with spam as the positive class.
//   births  seasonal naive from each forecast origin o: ŷ(o + h) = y(o + h − 7·⌈h/7⌉), the last observed day
//           of the same weekday (for h ≤ 7: the same weekday one week earlier). MAE per horizon h = 1..28 over
//           the 338 origins of 2014 (every 28 target days inside 2014), and their mean. For reference, also the
//           "one week earlier" forecast ŷ(d) = y(d − 7) for every target day d, which for h > 7 reads days after
//           the origin (not a forecast one could make at the origin).
//
//   node bench/tasks/baselines.mjs [--json file]

import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpam, loadBirths, tokenizeWords } from "./data.mjs";

// ----------------------------------------------------------------------------------------------- metrics ----

/** Accuracy and precision / recall / F1 of the positive class (1 = spam). */
export function binaryMetrics(labels, predictions) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i], p = predictions[i];
    if (p === 1 && y === 1) tp++; else if (p === 1) fp++; else if (y === 1) fn++; else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { accuracy: (tp + tn) / labels.length, precision, recall, f1, tp, fp, fn, tn };
}

/** MAE per horizon (births, not normalised) of forecasts [origins × horizon] against the series. */
export function maeByHorizon(births, origins, forecast) {
  const Hz = births.settings.horizon;
  const sums = new Float64Array(Hz);
  origins.forEach((o, k) => {
    for (let h = 1; h <= Hz; h++) sums[h - 1] += Math.abs(forecast[k * Hz + h - 1] - births.days[o + h].births);
  });
  const perHorizon = Array.from(sums, (s) => s / origins.length);
  return { perHorizon, mean: perHorizon.reduce((a, b) => a + b, 0) / Hz };
}

// ------------------------------------------------------------------------------------------- naive Bayes ----

/** Multinomial naive Bayes, Laplace smoothing α; tokens unseen in training are ignored at prediction. */
export function trainNaiveBayes(docs, labels, alpha = 1) {
  const counts = [new Map(), new Map()], totals = [0, 0], docsPer = [0, 0];
  docs.forEach((tokens, i) => {
    const c = labels[i];
    docsPer[c]++;
    for (const t of tokens) { counts[c].set(t, (counts[c].get(t) ?? 0) + 1); totals[c]++; }
  });
  const vocab = new Set([...counts[0].keys(), ...counts[1].keys()]);
  const V = vocab.size;
  const prior = docsPer.map((n) => Math.log(n / docs.length));
  const logDenominator = totals.map((n) => Math.log(n + alpha * V));
  const predict = (tokens) => {
    const score = [prior[0], prior[1]];
    for (const t of tokens) {
      if (!vocab.has(t)) continue;
      for (const c of [0, 1]) score[c] += Math.log((counts[c].get(t) ?? 0) + alpha) - logDenominator[c];
    }
    return score[1] > score[0] ? 1 : 0;
  };
  return { predict, vocabSize: V };
}

/** Naive Bayes trained on `train`, evaluated on `test` (default: the split's parts), over the kept tokens and over all. */
export function naiveBayesSpam(spam = loadSpam(), { train = spam.train, test = spam.test, allTokens = true } = {}) {
  const run = (tokensOf) => {
    const t0 = performance.now();
    const nb = trainNaiveBayes(train.map((i) => tokensOf(spam.records[i])), train.map((i) => spam.records[i].label));
    const trainSeconds = (performance.now() - t0) / 1000;
    const predictions = test.map((i) => nb.predict(tokensOf(spam.records[i])));
    return { ...binaryMetrics(test.map((i) => spam.records[i].label), predictions), vocabSize: nb.vocabSize, trainSeconds };
  };
  return {
    sameTokens: run((r) => r.tokens),                                       // the first maxTokens tokens, as the recurrent model
    ...(allTokens ? { allTokens: run((r) => tokenizeWords(r.text)) } : {}), // every token of subject + body
  };
}

// ---------------------------------------------------------------------------------------- seasonal naive ----

export function seasonalNaive(births = loadBirths(), origins = births.windows.test) {
  const Hz = births.settings.horizon, y = (i) => births.days[i].births;
  const causal = new Float64Array(origins.length * Hz), weekBefore = new Float64Array(origins.length * Hz);
  origins.forEach((o, k) => {
    for (let h = 1; h <= Hz; h++) {
      causal[k * Hz + h - 1] = y(o + h - 7 * Math.ceil(h / 7));
      weekBefore[k * Hz + h - 1] = y(o + h - 7);
    }
  });
  return { seasonalNaive: maeByHorizon(births, origins, causal), weekBefore: maeByHorizon(births, origins, weekBefore) };
}

// ---------------------------------------------------------------------------------------------- main ----

const pct = (x) => `${(x * 100).toFixed(2)} %`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const spam = loadSpam();
  const nb = naiveBayesSpam(spam);
  console.log(`spam, multinomial naive Bayes (α = 1), ${spam.train.length} train / ${spam.test.length} test messages`);
  for (const [k, m] of Object.entries(nb)) {
    console.log(`  ${k === "sameTokens" ? `first ${spam.settings.maxTokens} tokens` : "all tokens      "}: accuracy ${pct(m.accuracy)}, precision ${pct(m.precision)}, recall ${pct(m.recall)}, F1 ${m.f1.toFixed(4)} (tp ${m.tp}, fp ${m.fp}, fn ${m.fn}, tn ${m.tn}; ${m.vocabSize} words; trained in ${(m.trainSeconds * 1e3).toFixed(0)} ms)`);
  }
  const births = loadBirths();
  const sn = seasonalNaive(births);
  console.log(`births, 2014: ${births.windows.test.length} origins × horizons 1..28`);
  for (const [k, m] of Object.entries(sn)) {
    console.log(`  ${k === "seasonalNaive" ? "seasonal naive, last observed same weekday" : "same weekday one week earlier (y(d − 7))  "}: MAE ${m.mean.toFixed(1)} births (h = 1: ${m.perHorizon[0].toFixed(1)}, h = 7: ${m.perHorizon[6].toFixed(1)}, h = 14: ${m.perHorizon[13].toFixed(1)}, h = 28: ${m.perHorizon[27].toFixed(1)})`);
  }
  const i = process.argv.indexOf("--json");
  if (i > 0) {
    writeFileSync(process.argv[i + 1], JSON.stringify({ spam: nb, births: sn }, null, 1) + "\n");
    console.log(`wrote ${process.argv[i + 1]}`);
  }
}
