// What every edge runtime runs with "wasm-rnn/tfjs" once it has the module (deno-tfjs.mjs, bun-tfjs.mjs,
// workerd-tfjs.mjs): each TensorFlow.js fixture (test/fixtures/interop/tfjs: model.json + weights.bin and the
// input of its expected.json) loaded every way the runtime offers, predict() on that input, dispose. Plain
// JavaScript with no imports; the Node test (test/edge/setup.ts checkTfjs) compares.

const INPUT = { int32: (d) => Int32Array.from(d), float32: (d) => Float32Array.from(d) };

/**
 * `tfjs`: the entry's module. `models`: [{ name, input: { dtype, shape, data } }]. `ways`: { label: (name,
 * options) → Promise<TfjsModel> }, the first being loadTfjs on the files' bytes; the first load's options carry
 * `build` (its init). `roundTrip` (optional): { name, label, run(model) → Promise<TfjsModel> }, that model after
 * its first way written and read back by the runtime. Outputs and layers are keyed "<name> via <label>".
 */
export async function runTfjsJob(tfjs, { models, ways, build, roundTrip }) {
  const timings = { loadMs: 0, runMs: 0 };
  const outputs = {}; // "name via way" → { shape, data }
  const layers = {}; // "name via way" → the model's layers (not for the round trip: its file names them anew)
  let first = true, loaded;
  for (const { name, input } of models) {
    const x = { data: INPUT[input.dtype](input.data), shape: input.shape };
    for (const [way, load] of Object.entries(ways)) {
      let t = performance.now();
      const model = await load(name, first && build ? { init: { build } } : {});
      timings.loadMs += performance.now() - t;
      if (first) loaded = (await tfjs.init()).build; // init() without options: the build the first load initialised
      first = false;
      try {
        layers[`${name} via ${way}`] = model.layers;
        t = performance.now();
        const y = model.predict(x);
        timings.runMs += performance.now() - t;
        outputs[`${name} via ${way}`] = { shape: y.shape, data: Array.from(y.data) };
        if (roundTrip && way === Object.keys(ways)[0] && roundTrip.name === name) {
          const back = await roundTrip.run(model);
          try {
            const z = back.predict(x);
            outputs[`${name} via ${roundTrip.label}`] = { shape: z.shape, data: Array.from(z.data) };
          } finally {
            back.dispose();
          }
        }
      } finally {
        model.dispose();
      }
    }
  }
  return { build: loaded, exports: Object.keys(tfjs).sort(), layers, outputs, timings };
}

/**
 * The ways of a runtime with files (Deno, Bun): loadTfjs on the bytes its own `readFile(path)` gives,
 * loadTfjsFolder, loadTfjsUrl on the model.json's `fileUrl(path)` (the runtime's fetch of a file: URL); and with
 * job.roundTrip = { name, dir }, that model as ours (toWasmRnnModel of `tfjsExport`, "wasm-rnn/tfjs/export")
 * written by saveTfjsFolder and read back.
 */
export function folderWays(tfjs, tfjsExport, job, readFile, fileUrl) {
  const folder = (name) => `${job.dir}/${name}`;
  return {
    ways: {
      "loadTfjs(bytes)": async (name, o) => tfjs.loadTfjs(await readFile(`${folder(name)}/model.json`), await readFile(`${folder(name)}/weights.bin`), o),
      "loadTfjsFolder": (name, o) => tfjs.loadTfjsFolder(folder(name), o),
      "loadTfjsUrl(file URL)": (name, o) => tfjs.loadTfjsUrl(fileUrl(`${folder(name)}/model.json`), o),
    },
    roundTrip: job.roundTrip && {
      name: job.roundTrip.name,
      label: "saveTfjsFolder → loadTfjsFolder",
      async run(model) {
        const { model: ours } = tfjsExport.toWasmRnnModel(model.plan);
        try {
          await tfjs.saveTfjsFolder(job.roundTrip.dir, ours);
        } finally {
          ours.dispose();
        }
        return tfjs.loadTfjsFolder(job.roundTrip.dir);
      },
    },
  };
}
