// Embedding and OneHot (src/nn/embedding.ts): rows gathered by id, gradients scattered back with repeated ids
// accumulating (as PyTorch), rows never seen left at 0; one-hot rows; no gradient for the ids themselves.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { Embedding, OneHot } from "../../src/nn/embedding.js";
import { writeParameters } from "../../src/nn/module.js";
import { planned, read, write, writeInts } from "../helpers/modules.js";

await init();

test("embedding: gather by id; backward sums the rows of repeated ids and zeroes the rest", () => {
  const V = 6, E = 5, ids = [3, 0, 3, 5, 3, 1];
  const emb = runtime().heap.scope(() => new Embedding(runtime(), "embedding", V, E));
  assert.equal(emb.parameters().map((p) => [p.name, p.shape]), [["embedding.weight", [V, E]]]);
  const table = Float32Array.from({ length: V * E }, (_, i) => i * 0.5 - 3);
  writeParameters("test", emb.parameters(), { "embedding.weight": table });
  const p = planned((plan) => ({ ids: plan.ints(ids.length), d: plan.mat(ids.length, E), acts: emb.declare(plan, 3, 2) }));
  writeInts(p.ids, ids);
  const out = read(emb.forward(p.ids, p.acts));
  ids.forEach((id, r) => assert.equal([...out.subarray(r * E, (r + 1) * E)], [...table.subarray(id * E, (id + 1) * E)], `row ${r}`));
  const d = Float32Array.from({ length: ids.length * E }, (_, i) => (i % 7) - 2.5);
  write(p.d, d);
  assert.is(emb.backward(p.d, p.acts), null, "no gradient for ids");
  const grad = emb.params.group.grads.copyOut();
  for (let v = 0; v < V; v++) for (let j = 0; j < E; j++) {
    let want = 0;
    ids.forEach((id, r) => { if (id === v) want += d[r * E + j]; });
    assert.is(grad[v * E + j], Math.fround(want), `grad[${v}, ${j}]`);
  }
  p.dispose();
  emb.dispose();
});

test("one-hot: a 1 at each id, no parameters, no gradient", () => {
  const oh = new OneHot(runtime(), "", 4);
  assert.equal(oh.parameters(), []);
  const p = planned((plan) => ({ ids: plan.ints(3), acts: oh.declare(plan, 3, 1) }));
  writeInts(p.ids, [2, 0, 3]);
  assert.equal([...read(oh.forward(p.ids, p.acts))], [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
  assert.is(oh.backward(), null);
  p.dispose();
});

test.run();
