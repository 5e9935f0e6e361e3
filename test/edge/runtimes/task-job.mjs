// What every runtime runs with "wasm-rnn/tasks" (Deno, Bun, workerd: *-tasks.mjs; Chromium: the pages of
// test/browser/task-page.js), and what Node runs on its own copy of the package to compare with (test/helpers/
// task-fixture.ts): forward, loss and backward of some whole-model golden files (test/fixtures/golden/tasks),
// and a task model file decoded and asked to classify some inputs. Plain JavaScript with no imports, so every
// runtime runs it as it is. Floats come back as base64 of their float32 bytes, so the Node test compares them
// bit for bit (and with PyTorch within the golden tolerance).
//
// job: { golden: task golden cases (their inputs: modules, loss, params, tokens | x, target, lengths, …),
//        inputs: what to classify (texts) }
// model: a task model file (a classify model): its bytes, or the TaskModel read from it; or null.

/** base64 of the float32 bytes (btoa: every runtime has it). */
export function bits(values) {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** One task golden file through Sequential.fromConfig: output, loss, then every gradient (and ∂L/∂x for features). */
export function runTaskGolden(tasks, g) {
  const model = tasks.Sequential.fromConfig(g.modules);
  try {
    model.loadTorchParams(Object.fromEntries(Object.entries(g.params).map(([k, t]) => [k, t.data])));
    const input = g.tokens ? Int32Array.from(g.tokens.data) : Float32Array.from(g.x.data);
    const target = g.loss.type === "crossEntropy" ? Int32Array.from(g.target.data) : Float32Array.from(g.target.data);
    const fwd = model.forward(input, { seqLen: g.seqLen, batch: g.batch, ...(g.lengths ? { lengths: g.lengths } : {}), target, loss: g.loss });
    const bwd = model.backward();
    const arrays = { output: bits(fwd.output) };
    if (g.x) arrays["grad x"] = bits(bwd.dx);
    for (const name of Object.keys(g.params)) arrays[`grad ${name}`] = bits(bwd.grads[name]);
    return { arrays, loss: fwd.loss };
  } finally {
    model.dispose();
  }
}

/**
 * Classifies the inputs with a task model file (its bytes, decoded here with decodeTaskModel, or the TaskModel
 * a file helper such as loadTaskModel read): each one's label, class id and probabilities.
 */
export async function classifyWith(tasks, model, inputs) {
  const taskModel = model instanceof Uint8Array ? await tasks.decodeTaskModel(model, "the task model file") : model;
  try {
    const results = taskModel.classify(inputs);
    return {
      task: taskModel.task,
      labels: [...taskModel.labels],
      results: results.map((r) => ({ label: r.label, classId: r.classId, probabilities: bits(r.probabilities) })),
    };
  } finally {
    taskModel.dispose();
  }
}

/** Runs the job on an initialised "wasm-rnn/tasks"; returns plain JSON. */
export async function runTaskJob(tasks, job, model) {
  const timings = {};
  let t = performance.now();
  const golden = {};
  for (const g of job.golden) golden[g.name] = runTaskGolden(tasks, g);
  timings.goldenMs = performance.now() - t;
  let classified = null;
  if (model && job.inputs) {
    t = performance.now();
    classified = await classifyWith(tasks, model, job.inputs);
    timings.classifyMs = performance.now() - t;
  }
  return { golden, classified, timings };
}

/** What the entry is: its exports (sorted), and whether it is the one with the file helpers (Node, Deno, Bun). */
export function describeTasksEntry(tasks) {
  const exports = Object.keys(tasks).sort();
  return {
    exports,
    entry: typeof tasks.loadTaskModel === "function" ? "tasks node entry (with loadTaskModel)" : "tasks universal entry (no file helpers)",
  };
}

/** A JSON line the Node side finds among whatever else the runtime prints (the same mark as job.mjs). */
export const RESULT_MARK = "WASM_RNN_EDGE_RESULT ";
