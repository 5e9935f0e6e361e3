// Writes the TensorFlow.js files of bench/tfjs-import.mjs: a language model as Keras users write it, built and
// saved by TensorFlow.js 4.22 itself (bench/node_modules; not our exportTfjs), at two sizes:
//
//   lm_lstm_2l_h16/   V 20, E 8, H 16 (the sizes of bench/torch-onnx/lm_lstm_2l_h16.onnx)
//   lm_lstm_2l_h160/  V 64, E 32, H 160
//
// each holding model.json (recurrentActivation "sigmoid", as LanguageModel computes), model-hard-sigmoid.json
// (the same model with tfjs's default recurrentActivation, hard_sigmoid) and weights.bin, which both model.json
// files name: the layers carry the same names and weights, so tfjs writes the same bytes for both (checked).
//
//   tf.sequential: embedding (V → E, any T) → lstm1 (H, returnSequences) → lstm2 (H, returnSequences)
//                  → fc (Dense V, linear; on [B, T, H] it applies per step)
//
// Weights: the k-th tensor of model.getWeights() (= the weightsManifest order: embedding/embeddings [V, E],
// lstm1/kernel [E, 4H], lstm1/recurrent_kernel [H, 4H], lstm1/bias [4H], the same for lstm2 with input H,
// fc/kernel [H, V], fc/bias [V]) is fillUniform(seed 100 + k) in [-1/√H, 1/√H) from bench/common.mjs, in
// Keras layout, so the bench builds the native model from the same generator (see nativeWeights there).
// model.json is what tfjs's file handlers write (getModelJSONForModelArtifacts: modelTopology, format,
// generatedBy, convertedBy, weightsManifest); the topology and weight bytes are tfjs's own.
//
//   npm ci --prefix bench --ignore-scripts && node bench/tfjs-models/make.mjs      (the results are committed)

import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fillUniform } from "../common.mjs";

const DIR = path.dirname(fileURLToPath(import.meta.url));
export const TFJS_MODELS = {
  h16: { dir: "lm_lstm_2l_h16", V: 20, E: 8, H: 16 },
  h160: { dir: "lm_lstm_2l_h160", V: 64, E: 32, H: 160 },
};
export const MODEL_FILES = { sigmoid: "model.json", hardSigmoid: "model-hard-sigmoid.json" };

/** The weights in model.getWeights() order: [{ name, shape, data }], Keras layouts (see the header). */
export function kerasWeights({ V, E, H }) {
  const a = 1 / Math.sqrt(H);
  const shapes = [
    ["embedding/embeddings", [V, E]],
    ["lstm1/kernel", [E, 4 * H]], ["lstm1/recurrent_kernel", [H, 4 * H]], ["lstm1/bias", [4 * H]],
    ["lstm2/kernel", [H, 4 * H]], ["lstm2/recurrent_kernel", [H, 4 * H]], ["lstm2/bias", [4 * H]],
    ["fc/kernel", [H, V]], ["fc/bias", [V]],
  ];
  return shapes.map(([name, shape], k) => ({ name, shape, data: fillUniform(new Float32Array(shape.reduce((x, y) => x * y, 1)), 100 + k, -a, a) }));
}

async function save(tf, m, recurrentActivation) {
  const model = tf.sequential({
    layers: [
      tf.layers.embedding({ name: "embedding", inputDim: m.V, outputDim: m.E, inputShape: [null] }),
      tf.layers.lstm({ name: "lstm1", units: m.H, returnSequences: true, recurrentActivation }),
      tf.layers.lstm({ name: "lstm2", units: m.H, returnSequences: true, recurrentActivation }),
      tf.layers.dense({ name: "fc", units: m.V }),
    ],
  });
  const weights = kerasWeights(m);
  const got = model.getWeights();
  weights.forEach((w, k) => {
    if (JSON.stringify(got[k].shape) !== JSON.stringify(w.shape)) throw new Error(`weight ${k} (${w.name}): tfjs has shape ${JSON.stringify(got[k].shape)}, the generator ${JSON.stringify(w.shape)}`);
  });
  model.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  const names = artifacts.weightSpecs.map((s) => s.name);
  if (names.join() !== weights.map((w) => w.name).join()) throw new Error(`tfjs saved the weights ${names.join(", ")}, expected ${weights.map((w) => w.name).join(", ")}`);
  model.dispose();
  const json = {
    modelTopology: artifacts.modelTopology, format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }],
  };
  return { json, bin: new Uint8Array(artifacts.weightData) };
}

async function main() {
  const tf = await import("@tensorflow/tfjs");
  await tf.setBackend("cpu");
  for (const m of Object.values(TFJS_MODELS)) {
    const dir = path.join(DIR, m.dir);
    mkdirSync(dir, { recursive: true });
    const soft = await save(tf, m, "sigmoid"), hard = await save(tf, m, "hardSigmoid");
    if (Buffer.compare(soft.bin, hard.bin) !== 0) throw new Error(`${m.dir}: the two models' weight bytes differ`);
    writeFileSync(path.join(dir, MODEL_FILES.sigmoid), JSON.stringify(soft.json));
    writeFileSync(path.join(dir, MODEL_FILES.hardSigmoid), JSON.stringify(hard.json));
    writeFileSync(path.join(dir, "weights.bin"), soft.bin);
    console.log(`${m.dir}: ${soft.bin.length} bytes of weights, ${soft.json.generatedBy}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
