// `wasm-rnn convert` with ONNX: every interop fixture (test/fixtures/interop/onnx) converts to .wrnn and back
// to .onnx; the .wrnn, run by our runtime, and the new .onnx, run by onnxruntime-web and by loadOnnx, give the
// fixture's expected outputs. Models made here (.wrnn language and task models) convert to .onnx that
// onnxruntime-web runs as our forward() does. Graphs and flags that do not fit end in one error line.
//
// Axes: the onnx_* fixtures output a recurrent node's own Y [T, D, B, H]; our layer (and the exported
// "output") is [T, B, D·H], so the expected Y is rearranged with onnxYToSteps. States are [L·D, B, H] in both.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { init, GRU, LSTM, RNN, LanguageModel, Sequential, loadModel, saveModel, type RecurrentLayer } from "../../src/node.js";
import { TaskModel, loadTaskModel, saveTaskModel } from "../../src/tasks/node.js";
import { liftOnnx } from "../../src/onnx/export-entry.js";
import { failsWith, ok, runMain } from "./run-main.js";
import { checkBoth, close } from "../helpers/onnx-check.js";
import { onnxFixtures, onnxYToSteps } from "../helpers/onnx-fixtures.js";

await init();
const dir = mkdtempSync(join(tmpdir(), "wasm-rnn-cli-onnx-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

for (const f of onnxFixtures()) {
  test(`${f.name}: .onnx → .wrnn → .onnx reproduces the expected outputs`, async () => {
    const lifted = liftOnnx(f.bytes), io = lifted.io, kind = lifted.kind;
    if (kind === "layer") lifted.layer.dispose(); else if (kind === "language-model") lifted.lm.dispose(); else lifted.model.dispose();
    const r = ok(await runMain(["convert", f.path, at(`${f.name}.wrnn`)]), "to .wrnn");
    assert.match(r.stdout, new RegExp(`wrote .*${f.name}\\.wrnn: .*from .*${f.name}\\.onnx`));
    const back = ok(await runMain(["convert", at(`${f.name}.wrnn`), at(`${f.name}.onnx`)]), "back to .onnx");
    assert.match(back.stdout, /ONNX opset 14, .* → /);

    const x = f.inputs[io.input], [T, B] = x.shape;
    const want = (name: string) => (name === io.output && io.outputLayout === "onnx" ? onnxYToSteps(f.outputs[name].data, f.outputs[name].shape) : f.outputs[name].data);
    const opt = (name: string | null) => (name ? Float32Array.from(f.inputs[name].data) : undefined);
    const lengths = io.lengths ? Array.from(f.inputs[io.lengths].data) : undefined;
    // the .wrnn through our runtime
    if (kind === "language-model") {
      const { lm } = await loadModel(at(`${f.name}.wrnn`));
      try {
        const out = lm.forward(Int32Array.from(x.data), null, { seqLen: T, batch: B, h0: opt(io.h0), c0: opt(io.c0) });
        close("logits", out.logits, want(io.output));
        if (io.hN) close("hN", out.hN, want(io.hN));
        if (io.cN) close("cN", out.cN!, want(io.cN));
      } finally {
        lm.dispose();
      }
    } else {
      const task = await loadTaskModel(at(`${f.name}.wrnn`));
      try {
        const m = task.model;
        if (kind === "layer") {
          // the task model holds the one layer (module "rnn"); rebuilt as that layer, it takes the initial states
          assert.is(task.task, "regress");
          const { name: _n, type, ...options } = m.modules[0] as { name: string; type: string; inputSize: number; hiddenSize: number };
          const layer: RecurrentLayer = type === "LSTM" ? new LSTM(options) : type === "GRU" ? new GRU(options) : new RNN(options);
          try {
            layer.loadTorchParams(Object.fromEntries(Object.entries(m.torchParams()).map(([k, v]) => [k.slice(4), v])));
            const out = layer.eval().forward(Float32Array.from(x.data), { seqLen: T, batch: B, h0: opt(io.h0), c0: opt(io.c0), lengths });
            close("output", out.output, want(io.output));
            if (io.hN) close("hN", out.hN, want(io.hN));
            if (io.cN) close("cN", out.cN!, want(io.cN));
          } finally {
            layer.dispose();
          }
        } else {
          assert.is(task.task, "classify");
          const input = m.inputKind === "tokens" ? Int32Array.from(x.data) : Float32Array.from(x.data);
          close("output", m.eval().forward(input, { seqLen: T, batch: B, ...(lengths ? { lengths } : {}) }).output, want(io.output));
        }
      } finally {
        task.dispose();
      }
    }
    // the new .onnx through onnxruntime-web and loadOnnx
    const feeds: Record<string, typeof x> = { [kind === "layer" ? "x" : "tokens"]: x };
    if (io.lengths) feeds.sequence_lens = f.inputs[io.lengths];
    if (io.h0) feeds.h0 = f.inputs[io.h0];
    if (io.c0) feeds.c0 = f.inputs[io.c0];
    const expected: Record<string, { data: ArrayLike<number> }> = { [kind === "language-model" ? "logits" : "output"]: { data: want(io.output) } };
    if (kind !== "language-model" || io.hN) {
      if (io.hN) expected.hN = { data: want(io.hN) };
      if (io.cN) expected.cN = { data: want(io.cN) };
    }
    if (kind === "language-model") {
      // a language model's states are written with --states
      ok(await runMain(["convert", at(`${f.name}.wrnn`), at(`${f.name}.states.onnx`), "--states"]), "with --states");
      await checkBoth(f.name, new Uint8Array(readFileSync(at(`${f.name}.states.onnx`))), feeds, expected);
    } else {
      await checkBoth(f.name, new Uint8Array(readFileSync(at(`${f.name}.onnx`))), feeds, expected);
    }
  });
}

test("models made here: a language model and a task model .wrnn → .onnx, as forward() computes", async () => {
  const T = 5, B = 2, V = 9;
  const tokens = Array.from({ length: T * B }, (_, i) => (i * 5 + 1) % V);
  const lm = new LanguageModel({ vocabSize: V, cell: "gru", hiddenSize: 6, embedSize: 4, numLayers: 2, seed: 3 }).eval();
  const model = new TaskModel(Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: V, embeddingDim: 4 },
    { name: "rnn", type: "LSTM", inputSize: 4, hiddenSize: 5, bidirectional: true },
    { name: "pool", type: "Pool", mode: "mean" },
    { name: "fc", type: "Linear", inFeatures: 10, outFeatures: 3 },
  ], { seed: 4 }).eval(), { task: "classify", labels: ["a", "b", "c"] });
  try {
    await saveModel(at("lm.wrnn"), lm);
    await saveTaskModel(at("task.wrnn"), model);
    const r = ok(await runMain(["convert", at("lm.wrnn"), at("lm.onnx")]), "language model");
    assert.match(r.stdout, /tokens \[seq, batch\] int64 → logits \[seq, batch, 9\] float32/);
    const feeds = { tokens: { dtype: "int64" as const, shape: [T, B], data: tokens } };
    await checkBoth("lm", new Uint8Array(readFileSync(at("lm.onnx"))), feeds, { logits: { data: lm.forward(Int32Array.from(tokens), null, { seqLen: T, batch: B }).logits } });
    // safetensors files convert too (the language model's and the task model's)
    ok(await runMain(["convert", at("lm.wrnn"), at("lm.safetensors")]), "language model to safetensors");
    ok(await runMain(["convert", at("lm.safetensors"), at("lm-st.onnx")]), "safetensors to ONNX");
    assert.ok(readFileSync(at("lm-st.onnx")).equals(readFileSync(at("lm.onnx"))), "the same ONNX file from .wrnn and .safetensors");
    ok(await runMain(["convert", at("task.wrnn"), at("task.onnx")]), "task model");
    ok(await runMain(["convert", at("task.wrnn"), at("task.safetensors")]), "task model to safetensors");
    ok(await runMain(["convert", at("task.safetensors"), at("task-st.onnx")]), "task safetensors to ONNX");
    assert.ok(readFileSync(at("task-st.onnx")).equals(readFileSync(at("task.onnx"))), "the same ONNX file from the task model's .wrnn and .safetensors");
    const lengths = [T, 3];
    const want = model.model.forward(Int32Array.from(tokens), { seqLen: T, batch: B, lengths }).output;
    await checkBoth("task", new Uint8Array(readFileSync(at("task.onnx"))), { ...feeds, sequence_lens: { dtype: "int32", shape: [B], data: lengths } }, { output: { data: want, shape: [B, 3] } });
    // and back: the same model, with its sequence_lens input
    ok(await runMain(["convert", at("task.onnx"), at("task2.wrnn")]), "back to .wrnn");
    const again = await loadTaskModel(at("task2.wrnn"));
    try {
      assert.is(again.task, "classify");
      assert.equal(again.model.forward(Int32Array.from(tokens), { seqLen: T, batch: B, lengths }).output, want);
    } finally {
      again.dispose();
    }
  } finally {
    lm.dispose();
    model.dispose();
  }
});

test("convert with ONNX: one error line for what does not fit", async () => {
  const f = onnxFixtures().find((x) => x.name === "torch_rnn_relu")!;
  failsWith(await runMain(["convert", f.path, at("x.onnx")]), /convert reads or writes ONNX, not both/, "onnx to onnx");
  failsWith(await runMain(["convert", f.path, at("x.wrnn"), "--states"]), /--states is not for ONNX input/, "--states on input");
  failsWith(await runMain(["convert", f.path, at("x.wrnn"), "--vocab", f.path]), /--vocab is for language models/, "--vocab for a layer");
  writeFileSync(at("junk.onnx"), "not a model");
  failsWith(await runMain(["convert", at("junk.onnx"), at("y.wrnn")]), /junk\.onnx: loadOnnx: not an ONNX model/, "junk");
  ok(await runMain(["convert", f.path, at("rnn.wrnn")]), "to .wrnn");
  failsWith(await runMain(["convert", f.path, at("rnn.wrnn")]), /already exists: pass --force/, "no overwrite");
  failsWith(await runMain(["convert", at("rnn.wrnn"), at("rnn.safetensors"), "--states"]), /--states is for conversions to or from ONNX/, "--states without ONNX");
  failsWith(await runMain(["convert", at("rnn.wrnn"), at("rnn.onnx"), "--task", "tag"]), /--task is for ONNX input/, "--task on ONNX output");
  failsWith(await runMain(["convert", f.path, at("r2.wrnn"), "--task", "classify"]), /as a classify model: a classify model needs one output row per sequence/, "a layer is no classifier");
  failsWith(await runMain(["convert", f.path, at("r3.wrnn"), "--labels", "a,b"]), /--labels is for classify and tag models/, "labels of a regressor");
  const lmFixture = onnxFixtures().find((x) => x.name === "torch_lm_lstm_2l")!;
  failsWith(await runMain(["convert", lmFixture.path, at("lm2.wrnn"), "--task", "tag"]), /--task is for task models; .* holds a language model/, "--task for a language model");
  // a pooled graph as a regressor, a per-step one with named tags
  const clf = onnxFixtures().find((x) => x.name === "torch_classifier_gru_last")!;
  ok(await runMain(["convert", clf.path, at("reg.wrnn"), "--task", "regress"]), "as regress");
  const reg = await loadTaskModel(at("reg.wrnn"));
  assert.is(reg.task, "regress");
  reg.dispose();
  ok(await runMain(["convert", clf.path, at("named.wrnn"), "--labels", "w,x,y,z"]), "with labels");
  const named = await loadTaskModel(at("named.wrnn"));
  assert.equal(named.labels, ["w", "x", "y", "z"]);
  named.dispose();
  const mixed = new TaskModel(Sequential.fromConfig([{ name: "rnn", type: "GRU", inputSize: 2, hiddenSize: 3 }, { name: "fc", type: "Linear", inFeatures: 3, outFeatures: 1 }]), { task: "regress" });
  await saveTaskModel(at("mixed.wrnn"), mixed);
  mixed.dispose();
  failsWith(await runMain(["convert", at("mixed.wrnn"), at("mixed.onnx"), "--states"]), /option states is for layers.*\(drop --states\)/, "--states on a Sequential");
});

test.run();
