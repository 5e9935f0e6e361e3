// What assembly/index.ts itself exports: heapBase (where the host's heap starts) and the module's memory, on a
// fresh instance of the build under test (nothing allocated or written yet).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { runtime } from "../../src/init.js";
import { loadModule } from "../../bindings/load.js";
import { initForTests } from "../helpers/setup.js";

// Top-level await, not test.before: uvu swallows errors thrown in before hooks.
await initForTests();

const PAGE = 65536;
/** The initial pages asconfig.json gives the (non-threads) builds. */
const INITIAL_PAGES: number = JSON.parse(readFileSync(new URL("../../../asconfig.json", import.meta.url), "utf8")).options.initialMemory;
const freshInstance = async () => (await loadModule({ build: runtime().build })).kernels;

test("heapBase: 64-byte aligned, inside the initial memory, above every byte the module's static data sets", async () => {
  const k = await freshInstance();
  const base = k.heapBase();
  assert.ok(Number.isInteger(base) && base > 0, `heapBase() = ${base}`);
  assert.is(base % 64, 0, `heapBase() = ${base}: not on a 64-byte boundary`);
  assert.ok(base < k.memory.buffer.byteLength, `heapBase() = ${base} beyond the initial ${k.memory.buffer.byteLength} bytes`);
  // a fresh memory is zero except where data segments put something: all of that must lie below heapBase
  const bytes = new Uint8Array(k.memory.buffer);
  let last = -1;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) last = i;
  assert.ok(last >= 0, "a fresh instance has no static data at all (expected the kernels' constants)");
  assert.ok(last < base, `static data reaches byte ${last}, at or above heapBase() = ${base}`);
  assert.is(k.heapBase(), base, "heapBase() changes between calls");
});

test("memory: asconfig's initialMemory pages at first; kernels address what JS writes, also in pages grown later", async () => {
  const k = await freshInstance();
  assert.instance(k.memory, WebAssembly.Memory);
  assert.is(k.memory.buffer.byteLength, INITIAL_PAGES * PAGE, "initial size of the memory");
  const at = (k.heapBase() + 63) & ~63, x = [1.5, -2, 3.25, 0.5, 7];
  new Float32Array(k.memory.buffer, at, 5).set(x);
  k.scaleInPlace(at, 5, 2);
  assert.equal(Array.from(new Float32Array(k.memory.buffer, at, 5)), x.map((v) => 2 * v), "a kernel's writes seen through memory.buffer");
  // growing detaches old views; kernels see the new pages at once (no cached bounds)
  k.memory.grow(2);
  const size = (INITIAL_PAGES + 2) * PAGE;
  assert.is(k.memory.buffer.byteLength, size, "size after grow(2)");
  const high = size - 5 * 4;
  new Float32Array(k.memory.buffer, high, 5).set(x);
  k.addInPlace(high, at, 5);
  assert.equal(Array.from(new Float32Array(k.memory.buffer, high, 5)), x.map((v) => 3 * v), "a kernel on the last bytes of a grown memory");
});

test.run();
