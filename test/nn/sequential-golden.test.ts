// Every whole-model reference file of test/fixtures/golden/tasks (classify, tag, regress; PyTorch 1.13, float64):
// the output, the loss and every gradient (and ∂L/∂x for real-valued input) within |got − want| ≤ 1e-4 +
// 1e-3·|want|, through Sequential.fromConfig with the file's modules, loss, lengths and targets.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { Sequential, type LossConfig, type ModuleConfig } from "../../src/index.js";
import { initForTests } from "../helpers/setup.js";
import { compareAll } from "../helpers/golden-compare.js";

await initForTests();

interface Tensor { shape: number[]; data: number[] }
interface TaskCase {
  name: string; task: "classify" | "tag" | "regress"; modules: ModuleConfig[]; loss: LossConfig;
  seqLen: number; batch: number; lengths: number[] | null; params: Record<string, Tensor>;
  tokens?: Tensor; x?: Tensor; target: Tensor; output: Tensor; lossValue: number; grads: Record<string, Tensor>;
}

const DIR = new URL("../../../test/fixtures/golden/tasks/", import.meta.url);
const cases: TaskCase[] = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort()
  .map((f) => ({ name: f.replace(/\.json$/, ""), ...JSON.parse(readFileSync(new URL(f, DIR), "utf8")) }));

test("the task fixtures are all there (classify, tag, regress)", () => {
  assert.ok(cases.length >= 6, `expected the task fixtures, found ${cases.length}`);
  assert.equal([...new Set(cases.map((c) => c.task))].sort(), ["classify", "regress", "tag"]);
});

for (const g of cases) {
  test(`golden ${g.name}`, () => {
    const model = Sequential.fromConfig(g.modules);
    try {
      model.loadTorchParams(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.data])));
      const input = g.tokens ? Int32Array.from(g.tokens.data) : Float32Array.from(g.x!.data);
      const target = g.loss.type === "crossEntropy" ? Int32Array.from(g.target.data) : Float32Array.from(g.target.data);
      const fwd = model.forward(input, { seqLen: g.seqLen, batch: g.batch, ...(g.lengths ? { lengths: g.lengths } : {}), target, loss: g.loss });
      const bwd = model.backward();
      const checks: [string, ArrayLike<number> | undefined, number[]][] = [["output", fwd.output, g.output.data], ["loss", [fwd.loss!], [g.lossValue]]];
      if (g.x) checks.push(["x grad", bwd.dx, g.grads.x.data]);
      for (const name of Object.keys(g.params)) checks.push([`${name} grad`, bwd.grads[name], g.grads[name].data]);
      compareAll(g.name, checks);
    } finally {
      model.dispose();
    }
  });
}

test.run();
