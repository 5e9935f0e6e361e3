// Preloaded with `node --import` before the whole suite: loads the build named by WASM_RNN_BUILD first, so
// every test file's own `init()` (idempotent) runs on that build.

import { initForTests } from "./setup.js";

const build = await initForTests();
console.log(`wasm build for this run: ${build}`);
