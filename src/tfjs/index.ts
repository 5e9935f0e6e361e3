// The TensorFlow.js entry, "wasm-rnn/tfjs": loadTfjs(modelJson, weights) turns a tfjs / Keras "layers-model"
// (model.json + weights) of Embedding, LSTM / GRU / SimpleRNN (Bidirectional too), Dense, Dropout layers
// into a model that runs on this library's kernels. A separate entry, so the core entries do not carry it (see
// test/size.test.ts); exportTfjs, which writes our models as one, is "wasm-rnn/tfjs/export" (export-entry.ts).

import { init, type InitResult } from "../init.js";
import type { TfjsWeightsInput } from "./format.js";
import { loadTfjsUrlWith, loadTfjsWith, type LoadTfjsOptions, type LoadTfjsUrlOptions } from "./load.js";
import type { TfjsModel } from "./model.js";

export { init, type InitResult };
export { TfjsModel, type TfjsInput, type TfjsOutput } from "./model.js";
export type { LoadTfjsOptions, LoadTfjsUrlOptions } from "./load.js";
export type { TfjsWeightsInput } from "./format.js";

/**
 * Builds the model of a model.json (text, bytes or parsed) and its weights: one buffer (every shard in
 * manifest order) or the shards by path. Initialises the wasm core first if needed.
 */
export async function loadTfjs(modelJson: unknown, weights: TfjsWeightsInput, options: LoadTfjsOptions = {}): Promise<TfjsModel> {
  return loadTfjsWith(init, modelJson, weights, options);
}

/** Fetches model.json at `url` and the shards its manifest names (relative to it), then loads them. */
export async function loadTfjsUrl(url: string | URL, options: LoadTfjsUrlOptions = {}): Promise<TfjsModel> {
  return loadTfjsUrlWith(init, url, options);
}
