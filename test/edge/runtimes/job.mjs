// What every edge runtime runs once it has loaded wasm-rnn its own way (deno.mjs, bun.mjs, workerd.mjs): the
// forward passes of some PyTorch golden cases and a generation from a saved model. Plain JavaScript with no
// imports, so each runtime runs it as it is; the Node test (test/edge/*.test.ts) compares the results.
//
// job: { golden: GoldenCase[] (test/fixtures/golden format), generate: { prefix, length, options } }
// model: the bytes of a .wrnn file. Returns plain JSON.

const CELLS = { rnn_tanh: "RNN", rnn_relu: "RNN", gru: "GRU", lstm: "LSTM" };

/** The forward pass of one golden case: layer cases give output/hN(/cN), lm cases logits/loss/hN(/cN). */
export function goldenForward(lib, g) {
  const c = g.config;
  if (g.kind === "lm") {
    const cell = g.cell === "lstm" ? "lstm" : g.cell === "gru" ? "gru" : "rnn";
    const lm = new lib.LanguageModel({
      vocabSize: c.vocabSize, cell, hiddenSize: c.hiddenSize, numLayers: c.numLayers, embedSize: c.embedSize,
      bidirectional: c.bidirectional, bias: c.bias,
      ...(cell === "rnn" ? { nonlinearity: g.cell === "rnn_relu" ? "relu" : "tanh" } : {}),
      ...(cell === "gru" ? { resetAfter: g.gruVariant !== "resetBefore" } : {}),
    });
    try {
      lm.loadTorchParams(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.data])));
      const r = lm.forward(g.tokens.data, g.targets.data, { seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data });
      return { name: g.name, logits: Array.from(r.logits), loss: [r.loss], hN: Array.from(r.hN), ...(r.cN ? { cN: Array.from(r.cN) } : {}) };
    } finally {
      lm.dispose();
    }
  }
  const common = { inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional, bias: c.bias };
  const extra = g.cell === "gru" ? { resetAfter: g.gruVariant !== "resetBefore" } : g.cell.startsWith("rnn_") ? { nonlinearity: g.cell.slice(4) } : {};
  const layer = new lib[CELLS[g.cell]]({ ...common, ...extra });
  try {
    layer.loadTorchParams(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.data])));
    const r = layer.forward(g.x.data, { seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data, lengths: g.lengths ?? undefined });
    return { name: g.name, output: Array.from(r.output), hN: Array.from(r.hN), ...(r.cN ? { cN: Array.from(r.cN) } : {}) };
  } finally {
    layer.dispose();
  }
}

/** Runs the job on an initialised library; `model` is the .wrnn file's bytes. */
export async function runJob(lib, job, model) {
  const timings = {};
  let t = performance.now();
  const golden = job.golden.map((g) => goldenForward(lib, g));
  timings.goldenMs = performance.now() - t;
  let generated = null;
  if (job.generate && model) {
    t = performance.now();
    const { lm, vocab } = await lib.decodeModel(model, "the model file");
    timings.decodeMs = performance.now() - t;
    const { prefix, length, options } = job.generate;
    t = performance.now();
    let text = "", pieces = 0;
    for (const piece of lib.generate(lm, vocab, prefix, length, options)) {
      text += piece;
      pieces++;
    }
    timings.generateMs = performance.now() - t;
    generated = { text, pieces, modelBytes: model.length, config: lm.config };
    lm.dispose();
  }
  return { supported: lib.supportedBuilds(), golden, generated, timings };
}

/** A JSON line the Node side finds among whatever else the runtime prints. */
export const RESULT_MARK = "WASM_RNN_EDGE_RESULT ";
