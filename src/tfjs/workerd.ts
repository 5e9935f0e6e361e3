// The workerd entry of "wasm-rnn/tfjs": everything of tfjs/index.ts, with the workerd init (the wasm builds
// bundled as modules; see ../workerd.ts).
import { init } from "../workerd.js";
import type { LoadOptions } from "../../bindings/index.js";
import type { TfjsWeightsInput } from "./format.js";
import { loadTfjsUrlWith, loadTfjsWith, type LoadTfjsOptions, type LoadTfjsUrlOptions } from "./load.js";
import type { TfjsModel } from "./model.js";

export * from "./index.js";
export { init };

export async function loadTfjs(modelJson: unknown, weights: TfjsWeightsInput, options: LoadTfjsOptions = {}): Promise<TfjsModel> {
  return loadTfjsWith((o: LoadOptions) => init(o), modelJson, weights, options);
}

export async function loadTfjsUrl(url: string | URL, options: LoadTfjsUrlOptions = {}): Promise<TfjsModel> {
  return loadTfjsUrlWith((o: LoadOptions) => init(o), url, options);
}
