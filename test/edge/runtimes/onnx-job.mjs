// What every edge runtime runs with "wasm-rnn/onnx" once it has the module (deno-onnx.mjs, bun-onnx.mjs,
// workerd-onnx.mjs): loadOnnx on an ONNX file's bytes, run on the stored inputs of its expected JSON
// (test/fixtures/interop/onnx format), dispose. Plain JavaScript with no imports; the Node test compares.

const FEED = {
  float32: (d) => Float32Array.from(d),
  int32: (d) => Int32Array.from(d),
  int64: (d) => BigInt64Array.from(d.map(BigInt)),
};

/** `onnx`: the entry's module; `bytes`: the .onnx file; `inputs`: { name: { dtype, shape, data } }. */
export async function runOnnxJob(onnx, bytes, inputs, build) {
  const timings = {};
  let t = performance.now();
  const model = await onnx.loadOnnx(bytes, build ? { init: { build } } : {});
  timings.loadMs = performance.now() - t;
  const loaded = (await onnx.init()).build; // init() without options: the build loadOnnx initialised
  try {
    const feeds = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { data: FEED[v.dtype](v.data), shape: v.shape }]));
    t = performance.now();
    const got = model.run(feeds);
    timings.runMs = performance.now() - t;
    const outputs = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data, Number) }]));
    return { build: loaded, exports: Object.keys(onnx).sort(), kernelNodes: model.kernelNodes(), outputs, timings };
  } finally {
    model.dispose();
  }
}
