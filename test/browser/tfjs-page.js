// The "wasm-rnn/tfjs" check a test page runs, shared by tfjs-plain.html (no bundler: the entry as a module
// script) and bundle-tfjs-app/ (Vite): each imports the entry its own way and calls runTfjsPage with it. It loads
// the TensorFlow.js models its query names by URL, as an app does (loadTfjsUrl: model.json, then the weight
// files it names, with the page's fetch), predicts each one's stored input, and leaves window.__tfjs =
// { status: "ready" | "failed", error?, build, exports, models: { name: { layers, shape, data } }, timings }.

export async function runTfjsPage(tfjs, status) {
  const w = window;
  try {
    // ?models=tfjs/a,tfjs-extra/b: folders under test/fixtures/interop/ with model.json, weights and expected.json
    const params = new URLSearchParams(location.search);
    const build = params.get("build") ?? undefined;
    const models = {};
    let loadMs = 0, runMs = 0;
    for (const [dir, name] of (params.get("models") ?? "").split(",").map((m) => m.split("/"))) {
      const base = new URL(`/test/fixtures/interop/${dir}/${name}/`, location.href);
      const ref = await (await fetch(new URL("expected.json", base))).json();
      let t = performance.now();
      const model = await tfjs.loadTfjsUrl(new URL("model.json", base), build ? { init: { build } } : {});
      loadMs += performance.now() - t;
      try {
        const x = ref.inputs.input;
        t = performance.now();
        const y = model.predict({ data: x.dtype === "int32" ? Int32Array.from(x.data) : Float32Array.from(x.data), shape: x.shape });
        runMs += performance.now() - t;
        models[name] = { layers: [...model.layers], shape: y.shape, data: Array.from(y.data) };
      } finally {
        model.dispose();
      }
    }
    w.__tfjs = { status: "ready", build: (await tfjs.init()).build, exports: Object.keys(tfjs).sort(), models, timings: { loadMs, runMs } };
    status.textContent = `${Object.keys(models).length} TensorFlow.js models loaded and run`;
  } catch (e) {
    w.__tfjs = { status: "failed", error: String(e?.stack ?? e) };
    status.textContent = `failed: ${e}`;
  }
}
