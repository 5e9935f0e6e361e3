// Buffer plans (bindings/plan.ts): typed views laid out in one arena, taken all at once or not at all, and an
// arena whose growth fails forgets its old block instead of keeping it registered (the audit's "next call
// writes into another layer's memory").

import { test } from "uvu";
import * as assert from "uvu/assert";
import { Arena, F32Buffer, Heap, Mat, PlanBuilder, PlanCache, WasmMemoryError, alignedBytes, matOf } from "../../bindings/index.js";

const PAGE = 65536;
const smallHeap = () => new Heap(new WebAssembly.Memory({ initial: 1, maximum: 4 }), 0, 4 * PAGE);
/** The kernels' packed sizes, as the real ones compute them (panels of 8 columns; dot packs of 4 × 8; int8 packs of 4 × 16 bytes + sums and scales). */
const sizes = {
  packedSize: (K: number, N: number) => Math.ceil(N / 8) * 8 * K,
  dotPackedSize: (K: number, N: number) => Math.ceil(N / 4) * 4 * Math.ceil(K / 8) * 8,
  i8PackedBytes: (K: number, N: number) => Math.ceil(N / 4) * 4 * (Math.ceil(K / 16) * 16 + 8),
};

test("views: offsets aligned to 64 bytes, row and column blocks, transposes, and addresses computed from the storage", () => {
  const heap = smallHeap();
  const arena = new Arena(heap);
  const plan = new PlanBuilder(arena, sizes);
  const a = plan.mat(3, 5), b = plan.mat(2, 2), ids = plan.ints(7);
  assert.is(a.offset, 0);
  assert.is(b.offset, 16, "15 floats round up to 16 (64 bytes)");
  assert.is(ids.offset, 32);
  assert.is(plan.floats, 48);
  arena.ensure(plan.floats);
  assert.is(a.ptr % 64, 0);
  assert.is(b.ptr, a.ptr + 64);
  const row = a.rowBlock(1, 2), col = a.colBlock(2, 3), t = a.t();
  assert.equal([row.rows, row.cols, row.ptr - a.ptr], [2, 5, 20]);
  assert.equal([col.rows, col.cols, col.rs, col.ptr - a.ptr], [3, 3, 5, 8]);
  assert.equal([t.rows, t.cols, t.rs, t.cs], [5, 3, 1, 5]);
  assert.throws(() => a.colBlock(0, 2).reshape(1, 6), /cannot be seen as/);
  assert.equal([a.prefix(2, 4).rows, a.prefix(2, 4).cols], [2, 4]);
  assert.throws(() => a.prefix(4, 4), /does not fit/);
});

test("an arena whose growth fails is empty, not pointing at freed memory; its views then fail clearly", () => {
  const heap = smallHeap();
  const arena = new Arena(heap);
  arena.ensure(1000);
  const view = new Mat(arena, 0, 10, 100);
  const other = F32Buffer.alloc(heap, 1000); // someone else's memory, right after ours
  other.write(new Float32Array(1000).fill(7));
  assert.throws(() => arena.ensure(200_000), (e: Error) => e instanceof WasmMemoryError);
  assert.is(arena.floats, 0, "the old block was given back and is not kept");
  assert.throws(() => view.ptr, /before any plan was laid out/);
  arena.ensure(1000);
  new Float32Array(heap.memory.buffer, view.ptr, 1000).fill(0);
  assert.ok(other.read().every((v) => v === 7), "the other owner's memory is untouched");
  arena.dispose();
  assert.is(heap.bytesInUse, alignedBytes(4000), "only the other owner's block is left");
});

test("a plan cache takes a plan's memory and the pass's other memory all at once, or fails before taking any", () => {
  const heap = smallHeap();
  const cache = new PlanCache<{ floats: number; ready: boolean; m: Mat }>(heap, sizes);
  const small = cache.get("small", (p) => ({ m: p.mat(10, 10) }));
  cache.take(small, () => 0, () => {}, () => "Test.forward (seqLen 1)", "reduce seqLen");
  const before = heap.bytesInUse;
  const big = cache.get("big", (p) => ({ m: p.mat(300, 300) }));
  let extra: F32Buffer | null = null;
  try {
    cache.take(big, () => 4096, () => { extra = F32Buffer.alloc(heap, 1024); }, () => "Test.forward (seqLen 9)", "reduce seqLen");
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.instance(e, WasmMemoryError);
    assert.match((e as Error).message, /^Test\.forward \(seqLen 9\) needs 35[\d.]+ KiB more wasm memory/);
    assert.match((e as Error).message, /reduce seqLen/);
  }
  assert.is(extra, null, "the other allocations did not run");
  assert.is(heap.bytesInUse, before, "nothing was taken");
  assert.is(cache.get("small", () => { throw new Error("made again"); }), small, "plans are made once per key");
  // allocations that fail after the check are rolled back together
  const mid = cache.get("mid", (p) => ({ m: p.mat(100, 100) }));
  assert.throws(() => cache.take(mid, () => 0, () => { F32Buffer.alloc(heap, 1e9); }, () => "Test.forward", "reduce seqLen"), (e: Error) => e instanceof WasmMemoryError);
  assert.not.ok(mid.ready);
  cache.dispose();
  assert.is(heap.bytesInUse, 0);
});

test("matOf views a buffer of its own", () => {
  const heap = smallHeap();
  const b = F32Buffer.alloc(heap, 12);
  const m = matOf(b, 3, 4);
  assert.is(m.ptr, b.ptr);
  b.free();
  assert.throws(() => m.ptr, /memory was freed/);
});

test.run();
