// The checks a test page runs in the browser, shared by plain.html (no bundler) and bundle-app/ (Vite):
// both call installChecks with the package module they imported their own way.
// window.__plain: { status: "loading" | "ready" | "failed", error?, info?, runGolden(names), runLarge(spec) }.
// Float results come back as base64 of their bytes, so the test compares them bit for bit.

let rnn;

/** base64 of the float32 bytes */
function bits(values) {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function makeLayer(g) {
  const { inputSize, hiddenSize, numLayers, bidirectional, bias } = g.config;
  const common = { inputSize, hiddenSize, numLayers, bidirectional, bias };
  switch (g.cell) {
    case "rnn_tanh": return new rnn.RNN({ ...common, nonlinearity: "tanh" });
    case "rnn_relu": return new rnn.RNN({ ...common, nonlinearity: "relu" });
    case "gru": return new rnn.GRU({ ...common, resetAfter: g.gruVariant !== "resetBefore" });
    case "lstm": return new rnn.LSTM(common);
  }
  throw new Error(`unknown cell ${g.cell}`);
}

/** One "layer" golden file: forward, then backward with the file's upstream gradients. */
function runCase(g) {
  const layer = makeLayer(g);
  try {
    layer.loadTorchParams(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.data])));
    const fwd = layer.forward(g.x.data, {
      seqLen: g.seqLen, batch: g.batch, h0: g.h0.data, c0: g.c0?.data, lengths: g.lengths ?? undefined,
    });
    const out = { output: bits(fwd.output), h_n: bits(fwd.hN) };
    if (g.c_n) out.c_n = bits(fwd.cN);
    const bwd = layer.backward({ dOutput: g.dOutput.data, dhN: g.dh_n.data, dcN: g.dc_n?.data });
    out["grad x"] = bits(bwd.dx);
    out["grad h0"] = bits(bwd.dh0);
    if (g.c_n) out["grad c0"] = bits(bwd.dc0);
    for (const name of Object.keys(g.params)) out[`grad ${name}`] = bits(bwd.grads[name]);
    return out;
  } finally {
    layer.dispose();
  }
}

async function runGolden(names) {
  const results = {};
  for (const name of names) {
    const response = await fetch(`/test/fixtures/golden/${name}.json`);
    if (!response.ok) throw new Error(`fetch ${name}: HTTP ${response.status}`);
    const g = await response.json();
    if (g.kind !== "layer") throw new Error(`${name} is not a layer fixture`);
    results[name] = runCase(g);
  }
  return results;
}

/**
 * A seeded layer large enough that its products (≥ 1M multiply-adds) are split across threads.
 * Inputs are exact float32 values from integer arithmetic, identical in every runtime.
 */
function runLarge(spec) {
  const { cell, seqLen: T, batch: B, seed, ...sizes } = spec;
  const Layer = cell === "lstm" ? rnn.LSTM : cell === "gru" ? rnn.GRU : rnn.RNN;
  const layer = new Layer({ ...sizes, seed });
  try {
    const D = sizes.bidirectional ? 2 : 1;
    const x = new Float32Array(T * B * sizes.inputSize).map((_, i) => ((i * 7919) % 2003) / 1001.5 - 1);
    const dOutput = new Float32Array(T * B * D * sizes.hiddenSize).map((_, i) => ((i * 104729) % 1999) / 999.5 - 1);
    const t0 = performance.now();
    const fwd = layer.forward(x, { seqLen: T, batch: B });
    const out = { output: bits(fwd.output), h_n: bits(fwd.hN) };
    if (fwd.cN) out.c_n = bits(fwd.cN);
    const bwd = layer.backward({ dOutput });
    const ms = performance.now() - t0;
    out["grad x"] = bits(bwd.dx);
    for (const [name, g] of Object.entries(bwd.grads)) out[`grad ${name}`] = bits(g);
    return { arrays: out, ms };
  } finally {
    layer.dispose();
  }
}

/** init() with the page's query (?build=simd|relaxed|scalar, &threads=N), then publishes window.__plain. */
export async function installChecks(pkg, statusElement) {
  rnn = pkg;
  const query = new URLSearchParams(location.search);
  const options = {};
  if (query.has("build")) options.build = query.get("build");
  if (query.has("threads")) options.threads = Number(query.get("threads"));
  try {
    const info = await rnn.init(options);
    Object.assign(window.__plain, {
      status: "ready",
      info: {
        ...info,
        supported: rnn.supportedBuilds(),
        crossOriginIsolated: globalThis.crossOriginIsolated === true,
        exports: Object.keys(rnn).sort(),
      },
      runGolden,
      runLarge,
    });
    statusElement.textContent = `ready: ${info.build} build, ${info.threads} thread(s)`;
  } catch (e) {
    Object.assign(window.__plain, { status: "failed", error: String(e?.stack ?? e) });
    statusElement.textContent = `failed: ${e}`;
  }
}
