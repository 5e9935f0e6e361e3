// Daily US births, 2014 forecast 1–28 days ahead, with wasm-rnn (bench/tasks/README.md has the spec):
// LSTM(3 → 64) over 56 days → last step → Linear(64 → 28), MSE, Adam 1e-3, batch 64, 40 epochs, the epoch with
// the best 2013 MAE kept; MAE per horizon over the 338 origins of 2014 beside the seasonal-naive baseline and
// the stored PyTorch figures (bench/tasks/pytorch-tasks.json).
//
//   node bench/tasks/births.mjs [--epochs N] [--build simd|relaxed] [--threads 2] [--json file]
//
// Run pinned to one core for the timing (`taskset -c 1 node bench/tasks/births.mjs`).

import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadBirths, birthsBatch, permutation } from "./data.mjs";
import { seasonalNaive, maeByHorizon } from "./baselines.mjs";
import { library, storedPytorch, machineLine, taskArgs, writeResult, fmtSeconds } from "./common.mjs";

export const BIRTHS_MODEL = { hidden: 64, batch: 64, lr: 1e-3, epochs: 40, shuffleSeed: 2000, seed: 0 };

export function birthsModules(births) {
  const { horizon } = births.settings;
  return [
    { name: "rnn", type: "LSTM", inputSize: 3, hiddenSize: BIRTHS_MODEL.hidden },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: BIRTHS_MODEL.hidden, outFeatures: horizon },
  ];
}

export async function runBirths(options = {}) {
  const log = options.quiet ? () => {} : (s) => console.log(s);
  const epochs = options.epochs ?? BIRTHS_MODEL.epochs;
  const { lib, build, threads } = await library(options);
  const births = loadBirths();
  const { horizon: Hz } = births.settings;
  const { train, val, test } = births.windows;
  const model = lib.Sequential.fromConfig(birthsModules(births), { seed: BIRTHS_MODEL.seed });
  const groups = model.parameterGroups();
  const optimizer = new lib.Optimizer(groups, { name: "adam", lr: BIRTHS_MODEL.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const mse = { type: "mse" };

  const forecast = (origins) => {
    model.eval();
    const { x, seqLen, batch } = birthsBatch(births, origins);
    const { output } = model.forward(x, { seqLen, batch });
    model.train();
    return Float64Array.from(output, (z) => z * births.std + births.mean);
  };

  log(`births: ${train.length} train windows, ${val.length} validation (2013), ${test.length} test (2014); wasm-rnn ${build}, ${threads} thread${threads > 1 ? "s" : ""}; ${machineLine()}`);
  const epochRows = [];
  let best = { mae: Infinity, params: null, epoch: 0 }, trainSeconds = 0;
  model.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = permutation(train.length, BIRTHS_MODEL.shuffleSeed + epoch).map((k) => train[k]);
    const t0 = performance.now();
    let lossSum = 0;
    for (let s = 0; s < order.length; s += BIRTHS_MODEL.batch) {
      const idx = order.slice(s, s + BIRTHS_MODEL.batch);
      const { x, y, seqLen, batch } = birthsBatch(births, idx);
      const { loss } = model.forward(x, { seqLen, batch, target: y, loss: mse });
      model.runBackward(); // gradients stay in wasm memory, where the optimizer reads them
      optimizer.step();
      lossSum += loss * idx.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    trainSeconds += seconds;
    const valMae = maeByHorizon(births, val, forecast(val)).mean;
    epochRows.push({ epoch: epoch + 1, trainLoss: lossSum / order.length, valMAE: valMae, seconds });
    if (valMae < best.mae) {
      const params = Object.fromEntries(Object.entries(model.torchParams()).map(([k, v]) => [k, Float32Array.from(v)]));
      best = { mae: valMae, params, epoch: epoch + 1 };
    }
    if ((epoch + 1) % 5 === 0 || epoch === 0) log(`  epoch ${epoch + 1}: train MSE ${(lossSum / order.length).toFixed(4)}, 2013 MAE ${valMae.toFixed(1)}, ${seconds.toFixed(2)} s`);
  }
  model.loadTorchParams(best.params);
  const testMae = maeByHorizon(births, test, forecast(test));
  const baseline = seasonalNaive(births, test);
  model.dispose();
  optimizer.dispose?.();

  const pt = storedPytorch()?.births ?? null;
  const result = {
    task: "births", library: { build, threads }, machine: machineLine(), settings: { ...BIRTHS_MODEL, epochs },
    bestEpoch: best.epoch, valMAE: best.mae, test: testMae, epochs: epochRows, trainSeconds, secondsPerEpoch: trainSeconds / epochs,
    baseline, pytorch: pt,
  };
  log("");
  log(`births 2014, MAE in births over ${test.length} origins × h = 1..28 (h=1 / h=7 / h=14 / h=28 / mean):`);
  const line = (name, m, extra = "") => log(`  ${name.padEnd(44)} ${[0, 6, 13, 27].map((h) => m.perHorizon[h].toFixed(1).padStart(7)).join(" ")} ${m.mean.toFixed(1).padStart(8)}${extra}`);
  line("seasonal naive (last observed same weekday)", baseline.seasonalNaive);
  line("y(d − 7) (reads days after the origin)", baseline.weekBefore);
  line(`wasm-rnn LSTM (epoch ${best.epoch})`, testMae, `   trained in ${fmtSeconds(trainSeconds)} (${(trainSeconds / epochs).toFixed(2)} s/epoch)`);
  if (pt) line(`PyTorch stored (epoch ${pt.bestEpoch})`, { perHorizon: pt.test.perHorizon, mean: pt.test.mae }, `   trained in ${fmtSeconds(pt.trainSeconds)} (${pt.secondsPerEpoch.toFixed(2)} s/epoch)`);
  const beats = testMae.mean < baseline.seasonalNaive.mean;
  log(`  wasm-rnn ${beats ? "beats" : "does NOT beat"} seasonal naive: ${testMae.mean.toFixed(1)} vs ${baseline.seasonalNaive.mean.toFixed(1)} (${((1 - testMae.mean / baseline.seasonalNaive.mean) * 100).toFixed(1)} % lower)`);
  result.beatsBaseline = beats;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = taskArgs();
  runBirths(args).then((r) => {
    console.log(`wrote ${path.relative(process.cwd(), writeResult("births-wasm-rnn", r, args.json))}`);
    if (!r.beatsBaseline) process.exitCode = 1;
  }).catch((e) => { console.error(e); process.exit(1); });
}
