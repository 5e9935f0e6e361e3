// loadOnnx for every entry: initialise the core with the entry's init(), decode, build.

import type { LoadOptions } from "../../bindings/index.js";
import type { InitResult } from "../init.js";
import { decodeOnnx } from "./model.js";
import { OnnxModel } from "./runner.js";

export interface LoadOnnxOptions {
  /** Options of the init() call made when the core is not loaded yet. */
  init?: LoadOptions;
}

export async function loadOnnxWith(init: (o: LoadOptions) => Promise<InitResult>, bytes: Uint8Array, options: LoadOnnxOptions): Promise<OnnxModel> {
  if (typeof options !== "object" || options === null) throw new TypeError(`loadOnnx: options must be an object, got ${options === null ? "null" : typeof options}`);
  const graph = decodeOnnx(bytes);
  await init(options.init ?? {});
  return new OnnxModel(graph);
}
