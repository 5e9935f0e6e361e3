// Parameters of modules (src/nn/module.ts): names from the module path as PyTorch's state_dict keys, views by
// shape, loads that check everything before writing anything, and groups for the optimizers.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { init } from "../../src/index.js";
import { runtime } from "../../src/init.js";
import { ParameterBlock, readParameters, shapesOf, writeParameters } from "../../src/nn/module.js";
import { groupsOf } from "../../src/train/optimizers.js";
import { read } from "../helpers/modules.js";

await init();

const make = (path: string) => runtime().heap.scope(() => new ParameterBlock(runtime(), path, [["weight", [3, 4]], ["bias", [3]], ["scalar", []]]));

test("names are the module path + the parameter's name (no prefix at the top); views have the parameter's shape", () => {
  const top = make(""), fc = make("fc");
  assert.equal(top.entries.map((e) => e.name), ["weight", "bias", "scalar"]);
  assert.equal(fc.entries.map((e) => e.name), ["fc.weight", "fc.bias", "fc.scalar"]);
  assert.equal(fc.entries.map((e) => [e.offset, e.length]), [[0, 12], [12, 3], [15, 1]]);
  assert.is(fc.group.name, "fc");
  assert.is(fc.count, 16);
  const w = fc.value("weight"), b = fc.value("bias");
  assert.equal([w.rows, w.cols, b.rows, b.cols], [3, 4, 1, 3]);
  assert.equal(shapesOf(fc.entries), { "fc.weight": [3, 4], "fc.bias": [3], "fc.scalar": [] });
  assert.ok(read(fc.grads).every((v) => v === 0), "gradients start at 0");
  assert.throws(() => fc.value("nope"), /no parameter "nope"/);
  top.dispose();
  fc.dispose();
});

test("writeParameters checks names and shapes of all before writing any; readParameters copies", () => {
  const fc = make("fc");
  const good = { "fc.weight": new Float32Array(12).fill(1), "fc.bias": [1, 2, 3], "fc.scalar": [7] };
  writeParameters("Test.load", fc.entries, good);
  const before = readParameters(fc.entries);
  assert.equal([...before["fc.bias"]], [1, 2, 3]);
  const v0 = fc.group.params.version;
  assert.throws(() => writeParameters("Test.load", fc.entries, { ...good, "fc.extra": [1] }), /Test\.load: unexpected parameter "fc\.extra"/);
  assert.throws(() => writeParameters("Test.load", fc.entries, { "fc.weight": good["fc.weight"], "fc.scalar": [1] }), /missing parameter "fc\.bias"/);
  assert.throws(() => writeParameters("Test.load", fc.entries, { ...good, "fc.weight": new Float32Array(12).fill(9), "fc.bias": [1, 2] }), /fc\.bias must have 3 elements/);
  assert.equal(readParameters(fc.entries), before, "nothing written by a failed load");
  assert.is(fc.group.params.version, v0, "no change counted");
  before["fc.bias"][0] = 99;
  assert.is(readParameters(fc.entries)["fc.bias"][0], 1, "copies, not views");
  fc.dispose();
});

test("groupsOf: the groups of a module, layer or model, each once; freed or mismatched groups are refused", () => {
  const a = make("a"), b = make("b");
  assert.equal(groupsOf("test", [a.group, b.group]).map((g) => g.name), ["a", "b"]);
  assert.equal(groupsOf("test", { parameterGroups: () => [a.group] }).map((g) => g.name), ["a"]);
  assert.throws(() => groupsOf("new Optimizer", 42 as never), /expected a model, layer or module .* got 42/);
  assert.throws(() => groupsOf("new Optimizer", []), /non-empty array/);
  b.dispose();
  assert.throws(() => groupsOf("new Optimizer", [a.group, b.group]), /group "b" were freed/);
  a.dispose();
});

test.run();
