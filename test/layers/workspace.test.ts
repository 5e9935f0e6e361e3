// Workspaces (src/layers/workspace.ts): a call reserves all its buffers or none, and a failed growth never
// leaves a freed buffer registered (the audit's "next call writes into another layer's memory").

import { test } from "uvu";
import * as assert from "uvu/assert";
import { F32Buffer, Heap, WasmMemoryError, alignedBytes } from "../../bindings/index.js";
import { Workspace } from "../../src/layers/workspace.js";

const PAGE = 65536;
const smallHeap = () => new Heap(new WebAssembly.Memory({ initial: 1, maximum: 4 }), 0, 4 * PAGE);

test("a buffer whose growth fails is forgotten, not kept freed: the next call gets fresh memory", () => {
  const heap = smallHeap();
  const ws = new Workspace(heap);
  const small = ws.get("a", 1000);
  const other = F32Buffer.alloc(heap, 1000); // someone else's memory, right after ours
  other.write(new Float32Array(1000).fill(7));
  assert.throws(() => ws.get("a", 200_000), (e: Error) => e instanceof WasmMemoryError);
  assert.ok(small.isFreed, "the old buffer was given back");
  const again = ws.get("a", 1000);
  again.zero();
  assert.ok(other.read().every((v) => v === 7), "the other owner's memory is untouched");
  ws.dispose();
  assert.throws(() => ws.get("a", 10), /disposed/);
  assert.is(heap.bytesInUse, alignedBytes(4000), "only the other owner's block is left");
});

test("reserve takes every buffer of a plan or fails before taking any, naming the work and the total", () => {
  const heap = smallHeap();
  const ws = new Workspace(heap);
  ws.get("a", 10);
  const before = heap.bytesInUse;
  try {
    ws.reserve([["a", 30_000], ["b", 30_000], ["c", 30_000]], "Test.forward (seqLen 9)", "reduce seqLen");
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.instance(e, WasmMemoryError);
    assert.match((e as Error).message, /^Test\.forward \(seqLen 9\) needs 351\.\d KiB more wasm memory/);
    assert.match((e as Error).message, /reduce seqLen/);
  }
  assert.is(heap.bytesInUse, before, "nothing was taken");
  ws.reserve([["a", 10_000], ["b", 10_000]], "Test.forward", "reduce seqLen");
  assert.ok(ws.get("a", 10_000).length >= 10_000 && ws.get("b", 10_000).length >= 10_000);
});

test.run();
