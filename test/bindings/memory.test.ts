// The heap's safety rules (bindings/memory.ts): clear limits before memory grows, freed buffers that refuse
// every use, double frees caught, scopes that give back what failed work took, change counts on buffers.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { F32Buffer, Heap, WasmMemoryError, formatBytes } from "../../bindings/index.js";

const PAGE = 65536;

/** A heap over its own small memory, with a limit of `pages` pages. */
function smallHeap(pages = 4): Heap {
  return new Heap(new WebAssembly.Memory({ initial: 1, maximum: pages }), 0, pages * PAGE);
}

test("an allocation past the limit fails with a WasmMemoryError that says how much, the limit and what to do", () => {
  const heap = smallHeap(4);
  const a = heap.alloc(2 * PAGE);
  try {
    heap.alloc(3 * PAGE);
    assert.unreachable("should have thrown");
  } catch (e) {
    assert.instance(e, WasmMemoryError);
    assert.instance(e, RangeError);
    const m = (e as Error).message;
    assert.match(m, /needs 192 KiB more wasm memory, but only 128 KiB can be had/);
    assert.match(m, /limit of wasm memory is 256 KiB/);
    assert.is((e as WasmMemoryError).requestedBytes, 3 * PAGE);
  }
  assert.is(heap.bytesInUse, 2 * PAGE, "the failed allocation took nothing");
  heap.release(a);
  assert.is(heap.bytesInUse, 0);
  heap.alloc(3 * PAGE); // and the memory is usable again
});

test("absurd sizes are refused by the check, never passed to memory.grow", () => {
  const heap = smallHeap(2);
  for (const bytes of [2 ** 53, 2 ** 40, 1e300]) {
    assert.throws(() => heap.checkFits(bytes, "this test", "ask for less"), (e: Error) => e instanceof WasmMemoryError && /ask for less/.test(e.message));
  }
  assert.throws(() => heap.alloc(-1), /non-negative integer/);
  assert.throws(() => heap.alloc(1.5), /non-negative integer/);
  assert.throws(() => heap.alloc(2 ** 40), (e: Error) => e instanceof WasmMemoryError);
});

test("a freed buffer refuses every use, freeing twice is harmless, and releasing an unknown block is an error", () => {
  const heap = smallHeap();
  const b = F32Buffer.alloc(heap, 16);
  b.write([1, 2, 3]);
  b.free();
  b.free();
  assert.ok(b.isFreed);
  assert.throws(() => b.ptr, /memory was freed/);
  assert.throws(() => b.view(), /memory was freed/);
  assert.throws(() => b.copyOut(), /memory was freed/);
  assert.throws(() => heap.release(12345), /not an allocated block/);
  assert.is(heap.bytesInUse, 0);
});

test("a scope gives back everything allocated inside it when its work throws, nested work included", () => {
  const heap = smallHeap(8);
  const kept = F32Buffer.alloc(heap, 100);
  const before = heap.bytesInUse;
  let inner: F32Buffer[] = [];
  assert.throws(() => heap.scope(() => {
    inner.push(F32Buffer.alloc(heap, 1000));
    heap.scope(() => inner.push(F32Buffer.alloc(heap, 2000)));
    inner.push(F32Buffer.alloc(heap, 1e9)); // fails
  }), (e: Error) => e instanceof WasmMemoryError);
  assert.is(heap.bytesInUse, before, "all of the failed work's memory is back");
  assert.ok(inner.every((b) => b.isFreed));
  assert.not.ok(kept.isFreed);
  const ok = heap.scope(() => F32Buffer.alloc(heap, 10));
  assert.not.ok(ok.isFreed, "work that succeeds keeps its memory");
  inner = [];
});

test("buffers count their changes: writes and writable views do, reads and copies do not", () => {
  const heap = smallHeap();
  const b = F32Buffer.alloc(heap, 8);
  const v0 = b.version;
  b.copyOut();
  b.read();
  assert.is(b.version, v0);
  b.write([1]);
  assert.ok(b.version > v0);
  const v1 = b.version;
  b.view()[0] = 2;
  assert.ok(b.version > v1);
  const v2 = b.version;
  b.markChanged();
  assert.ok(b.version > v2);
});

test("the peak of bytes in use is tracked and can be reset", () => {
  const heap = smallHeap();
  heap.resetPeak();
  const a = heap.alloc(1000), b = heap.alloc(5000);
  heap.release(a);
  heap.release(b);
  assert.ok(heap.peakBytesInUse >= 6000);
  heap.resetPeak();
  assert.is(heap.peakBytesInUse, 0);
});

test("formatBytes", () => {
  assert.is(formatBytes(512), "512 bytes");
  assert.is(formatBytes(2048), "2 KiB");
  assert.is(formatBytes(1.5 * 2 ** 30), "1.5 GiB");
  assert.is(formatBytes(4 * 2 ** 30), "4 GiB");
});

test.run();
