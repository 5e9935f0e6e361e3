// The "wasm-rnn/onnx" check a test page runs, shared by onnx-plain.html (no bundler: an import map) and
// bundle-onnx-app/ (Vite): each imports the entry its own way and calls runOnnxPage with it. It fetches an
// exporter's ONNX file and its stored inputs (test/fixtures/interop/onnx), runs it with loadOnnx, and leaves
// window.__onnx = { status: "ready" | "failed", error?, build, exports, kernelNodes, outputs, timings } for Node.

const FEED = {
  float32: (d) => Float32Array.from(d),
  int32: (d) => Int32Array.from(d),
  int64: (d) => BigInt64Array.from(d.map(BigInt)),
};

export async function runOnnxPage(onnx, status) {
  const w = window;
  try {
    const params = new URLSearchParams(location.search);
    const name = params.get("model") ?? "torch_lm_lstm_2l";
    const build = params.get("build") ?? undefined;
    const base = `/test/fixtures/interop/onnx/${name}`;
    const [bytes, ref] = await Promise.all([
      fetch(`${base}.onnx`).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b)),
      fetch(`${base}.json`).then((r) => r.json()),
    ]);
    let t = performance.now();
    const model = await onnx.loadOnnx(bytes, build ? { init: { build } } : {});
    const loadMs = performance.now() - t;
    try {
      const feeds = Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, { data: FEED[v.dtype](v.data), shape: v.shape }]));
      t = performance.now();
      const got = model.run(feeds);
      const runMs = performance.now() - t;
      const outputs = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data, Number) }]));
      w.__onnx = {
        status: "ready", build: (await onnx.init()).build, exports: Object.keys(onnx).sort(), kernelNodes: model.kernelNodes(),
        outputs, timings: { loadMs, runMs },
      };
      status.textContent = `${name}.onnx: ${model.kernelNodes().length} nodes on the kernels, outputs ${Object.keys(outputs).join(", ")}`;
    } finally {
      model.dispose();
    }
  } catch (e) {
    w.__onnx = { status: "failed", error: String(e?.stack ?? e) };
    status.textContent = `failed: ${e}`;
  }
}
