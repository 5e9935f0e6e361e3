// Regression tests of the memory-safety audit (issue "Memory safety and hostile input"), layer side: use after
// dispose, a failed forward, parameters changed by a custom training loop, failed constructors that must give
// back their memory, and clear messages at the memory limit. Canaries prove no other object was touched.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { GRU, LSTM, RNN, LanguageModel, Optimizer, Trainer, generateIds, init } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { WasmMemoryError } from "../../bindings/index.js";
import { Canaries } from "../helpers/canary.js";

await init();
const canaries = new Canaries();
const heap = runtime().heap;
const wave = (n: number, f = 0.37) => new Float32Array(n).map((_, i) => Math.sin(i * f));

test("use after dispose: every public path of a layer and its stream throws a clear error", () => {
  const layer = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 1 });
  const stream = layer.stream();
  stream.step(wave(3));
  layer.forward(wave(12), { seqLen: 4, batch: 1 });
  layer.dispose();
  const x = wave(12), o = { seqLen: 4, batch: 1 };
  assert.throws(() => layer.forward(x, o), /LSTM\.forward: the layer was disposed/);
  assert.throws(() => layer.backward({ dOutput: wave(16) }), /LSTM\.backward: the layer was disposed/);
  assert.throws(() => layer.torchParams(), /disposed/);
  assert.throws(() => layer.loadTorchParams({}), /disposed/);
  assert.throws(() => layer.stream(), /disposed/);
  assert.throws(() => layer.parameterGroups(), /LSTM\.parameterGroups: the layer was disposed/);
  assert.throws(() => stream.step(wave(3)), /stream: its layer was disposed/);
  assert.throws(() => layer.parameterBuffer.ptr, /memory was freed/);
  stream.dispose();
  canaries.check("after use-after-dispose attempts");
});

test("a forward that runs out of memory changes nothing: the layer's next calls are right and other layers untouched", () => {
  const layer = new GRU({ inputSize: 8, hiddenSize: 32, seed: 3 });
  const x = wave(5 * 2 * 8);
  const before = layer.forward(x, { seqLen: 5, batch: 2 });
  const inUse = heap.bytesInUse;
  // 3e6 steps × 4 sequences: far past the 4 GiB limit, refused before anything is taken
  assert.throws(() => layer.forward(new Float32Array(3e6 * 4 * 8), { seqLen: 3e6, batch: 4 }),
    (e: Error) => e instanceof WasmMemoryError && /^GRU\.forward \(seqLen 3000000, batch 4, .*\) needs [\d.]+ GiB more wasm memory/.test(e.message) && /reduce seqLen or batch/.test(e.message));
  assert.is(heap.bytesInUse, inUse, "the failed forward took no memory");
  assert.throws(() => layer.backward({ dOutput: wave(5 * 2 * 32) }), /call forward\(\) first|no forward pass/);
  const neighbour = new LSTM({ inputSize: 8, hiddenSize: 32, seed: 4 });
  const theirs = neighbour.forward(x, { seqLen: 5, batch: 2 });
  const after = layer.forward(x, { seqLen: 5, batch: 2 });
  assert.equal(after.output, before.output, "the layer computes as before");
  assert.equal(neighbour.forward(x, { seqLen: 5, batch: 2 }).output, theirs.output, "the neighbour is untouched");
  layer.dispose();
  neighbour.dispose();
  canaries.check("after a failed forward");
});

test("a custom training loop: an Optimizer stepping a layer's parameters is seen by the next forward (batch 1 and batch > 1)", () => {
  for (const batch of [1, 3]) {
    const layer = new LSTM({ inputSize: 4, hiddenSize: 8, seed: 5 });
    const opt = new Optimizer([{ name: "lstm", params: layer.parameterBuffer, grads: layer.gradientBuffer }], { name: "sgd", lr: 0.5 });
    const x = wave(6 * batch * 4), o = { seqLen: 6, batch };
    const y0 = layer.forward(x, o).output;
    layer.backward({ dOutput: wave(6 * batch * 8, 0.11) });
    opt.step(); // no paramsChanged() call: the packed weights must notice on their own
    const y1 = layer.forward(x, o).output;
    const fresh = new LSTM({ inputSize: 4, hiddenSize: 8 });
    fresh.loadTorchParams(layer.torchParams());
    assert.equal(y1, fresh.forward(x, o).output, `batch ${batch}: the next forward uses the updated weights`);
    assert.not.equal(y1, y0);
    // and a write through a view of the parameter buffer, the lowest public path
    layer.parameterBuffer.view().fill(0.01);
    const z = new LSTM({ inputSize: 4, hiddenSize: 8 });
    z.loadTorchParams(Object.fromEntries(Object.entries(layer.torchParams()).map(([k, v]) => [k, v.fill(0.01)])));
    assert.equal(layer.forward(x, o).output, z.forward(x, o).output, `batch ${batch}: a view write is seen too`);
    for (const l of [layer, fresh, z]) l.dispose();
    opt.dispose();
  }
  canaries.check("after custom loops");
});

test("memory limits: a layer too big for wasm memory gets one sentence with the size, the limit and what to reduce", () => {
  for (const [make, pattern] of [
    [() => new LSTM({ inputSize: 64, hiddenSize: 15000 }), /^new LSTM\(inputSize 64, hiddenSize 15000, numLayers 1, 903,960,000 parameters\) needs 6\.7 GiB more wasm memory, but only [\d.]+ GiB can be had \(the limit of wasm memory is 4 GiB \(2 GiB with threads\)\): reduce hiddenSize or numLayers$/],
    [() => new GRU({ inputSize: 64, hiddenSize: 2 ** 24 }), /^new GRU\(inputSize 64, hiddenSize 16777216, .*\) needs [\d.]+ PiB more wasm memory/],
    [() => new RNN({ inputSize: 2 ** 24, hiddenSize: 2 ** 24, numLayers: 1024 }), /^new RNN\(.*numLayers 1024.*\) needs .* more wasm memory/],
    [() => new LanguageModel({ vocabSize: 2 ** 24, cell: "gru", hiddenSize: 64, embedSize: 32 }), /^new LanguageModel\(vocabSize 16777216, .*\) needs 2[345]\.\d GiB more wasm memory.*reduce hiddenSize, numLayers, embedSize or the vocabulary$/],
    [() => new LanguageModel({ vocabSize: 60, cell: "lstm", hiddenSize: 100000 }), /^new LanguageModel\(.*hiddenSize 100000.*\) needs 298\.\d GiB more wasm memory/],
  ] as const) {
    const inUse = heap.bytesInUse;
    const started = performance.now();
    assert.throws(make, (e: Error) => e instanceof WasmMemoryError && pattern.test(e.message) && !/unsigned long|grow\(\)/.test(e.message));
    assert.ok(performance.now() - started < 500, "refused at once, before allocating");
    assert.is(heap.bytesInUse, inUse, "nothing kept");
  }
  // the library stays usable: a 130 MB layer right after
  const big = new LSTM({ inputSize: 64, hiddenSize: 2800 });
  assert.ok(big.parameterCount * 8 > 130e6);
  big.dispose();
  canaries.check("after refused layers");
});

/** Makes the n-th allocation from now fail (as memory.grow would), for the duration of fn. */
function failingAt<T>(n: number, fn: () => T): T {
  const original = heap.alloc;
  let count = 0;
  heap.alloc = function (bytes: number): number {
    if (++count === n) throw new WasmMemoryError("injected allocation failure", bytes, heap.bytesInUse, heap.limitBytes);
    return original.call(heap, bytes);
  };
  try {
    return fn();
  } finally {
    heap.alloc = original;
  }
}

test("every constructor gives back all it took when any of its allocations fails, and the library stays usable", () => {
  const lm = new LanguageModel({ vocabSize: 11, cell: "gru", hiddenSize: 8, embedSize: 4, numLayers: 2, seed: 1 });
  const streamed = new LSTM({ inputSize: 2, hiddenSize: 3 });
  const ids = Int32Array.from({ length: 400 }, (_, i) => (i * 3) % 11);
  const makers: [string, () => { dispose(): void } | void][] = [
    ["LSTM", () => new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true })],
    ["GRU", () => new GRU({ inputSize: 3, hiddenSize: 5 })],
    ["LanguageModel", () => new LanguageModel({ vocabSize: 9, cell: "lstm", hiddenSize: 6, embedSize: 3, numLayers: 2 })],
    ["stream", () => streamed.stream()],
    ["Optimizer", () => new Optimizer(lm.parameterGroups(), { name: "adam", lr: 0.01 })],
    ["Trainer", () => new Trainer(lm, ids, { batchSize: 4, seqLen: 5, optimizer: { name: "adam", lr: 0.01 } })],
    ["generate", () => void [...generateIds(lm, [1, 2], 3)]],
    ["forward", () => void lm.forward(ids.subarray(0, 20), ids.subarray(1, 21), { seqLen: 10, batch: 2 })],
  ];
  for (const [name, make] of makers) {
    // a call on an existing model keeps its workspace for the next call: the bound is what a successful
    // call leaves, and failures must never add to it
    if (name === "generate" || name === "forward") make();
    const baseline = heap.bytesInUse;
    for (let n = 1; n < 100; n++) {
      let made: { dispose(): void } | void = undefined;
      let failed = false;
      try {
        made = failingAt(n, make);
      } catch (e) {
        failed = true;
        assert.instance(e, WasmMemoryError, `${name}, allocation ${n}: ${(e as Error).message}`);
      }
      if (!failed) {
        made?.dispose();
        break; // n passed the last allocation: every failure point was tried
      }
      assert.ok(heap.bytesInUse <= baseline, `${name}: allocation ${n} failed and kept ${heap.bytesInUse - baseline} bytes`);
      if (name !== "generate" && name !== "forward") assert.is(heap.bytesInUse, baseline, `${name}: allocation ${n} failed, nothing kept`);
    }
  }
  // the model whose forward failed mid-way still works and trains
  const trainer = new Trainer(lm, ids, { batchSize: 4, seqLen: 5, optimizer: { name: "adam", lr: 0.01 } });
  assert.ok(Number.isFinite(trainer.trainEpoch().loss));
  trainer.dispose();
  lm.dispose();
  streamed.dispose();
  canaries.check("after injected allocation failures");
});

test.run();
