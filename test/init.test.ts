// Loading the wasm: build choice, idempotence, and the sources a runtime may hand us (path, URL, bytes).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import binaryen from "binaryen";
import { init, supportedBuilds } from "../src/index.js";
import { loadModule, supportsBuild, defaultWasmUrl } from "../bindings/index.js";

test("init() is idempotent and reports the build it loaded", async () => {
  const a = await init();
  const b = await init();
  assert.equal(a, b);
  assert.ok(supportedBuilds().includes(a.build));
  const forced = process.env.WASM_RNN_BUILD;
  assert.is(a.build, forced ?? supportedBuilds()[0], forced ? "the build the run asked for" : "the best build the runtime supports");
});

test("SIMD is detected; relaxed SIMD only where the runtime validates it; scalar everywhere", () => {
  assert.ok(supportsBuild("simd"));
  assert.ok(supportsBuild("scalar"));
  assert.equal(supportedBuilds().slice(-2), ["simd", "scalar"]);
  const flagged = process.execArgv.includes("--experimental-wasm-relaxed-simd");
  const major = Number(process.versions.node.split(".")[0]);
  if (major === 20) assert.is(supportsBuild("relaxed"), flagged, "Node 20 runs relaxed SIMD only behind its flag");
});

test("the module loads from bytes, from a URL and from a compiled module, every build", async () => {
  for (const build of ["simd", "scalar"] as const) {
    const bytes = readFileSync(defaultWasmUrl(build));
    for (const wasm of [bytes, defaultWasmUrl(build), new WebAssembly.Module(bytes)]) {
      const { kernels } = await loadModule({ wasm, build });
      assert.type(kernels.gemm, "function");
    }
  }
});

test("the scalar build uses no SIMD: it validates with SIMD switched off (binaryen's validator)", () => {
  const module = binaryen.readBinary(readFileSync(defaultWasmUrl("scalar")));
  module.setFeatures(binaryen.Features.All & ~binaryen.Features.SIMD128 & ~binaryen.Features.RelaxedSIMD);
  assert.ok(module.validate(), "scalar build validates without SIMD");
  module.dispose();
});

test("a module that is not a wasm-rnn build, or an unknown build name, is refused clearly", async () => {
  const empty = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  try {
    await loadModule({ wasm: empty });
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.match((e as Error).message, /not a wasm-rnn build \(missing exports: heapBase/);
  }
  try {
    await loadModule({ build: "avx" as never });
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.match((e as Error).message, /build must be one of "relaxed", "simd", "scalar", got "avx"/);
  }
});

test.run();
