// Loads the wasm build the test run asks for: WASM_RNN_BUILD=relaxed|simd, default the best available.

import { init, type BuildName } from "../../src/index.js";

export async function initForTests(): Promise<BuildName> {
  const wanted = process.env.WASM_RNN_BUILD as BuildName | undefined;
  const { build } = await init(wanted ? { build: wanted } : {});
  if (wanted && build !== wanted) throw new Error(`asked for the ${wanted} build, got ${build}`);
  return build;
}
