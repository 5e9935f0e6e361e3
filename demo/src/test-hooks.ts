/*
 * The demo's contract with the browser tests (test/browser). The page keeps `window.__demo` up to date:
 *
 *   ready: boolean            the training worker has loaded the wasm core
 *   build: string             the wasm build the worker runs: "relaxed" | "simd" | "scalar" ("" before ready)
 *   training: boolean         a training loop is running in the worker
 *   history: { step, loss, perplexity, tokensPerSecond }[]
 *                             one entry per optimizer step, appended as the worker reports (every ~100 ms);
 *                             emptied (in place) when a new model is created or a model file is loaded
 *   lastSample: string        the latest sample drawn while training (also shown in [data-testid=sample-output])
 *   gradientFlow: null | { rendered, cells: { rnn | gru | lstm: { before: number[], after: number[] } } }
 *                             ‖∂L/∂h‖ at index i = distance i from the loss (i = 0 is the last state, = 1),
 *                             "after" = before · min(1, θ / (‖g‖ + 1e-6)); rendered = drawn in the chart
 *   errors: string[]          every worker / page error, as shown to the user
 *
 * data-testid attributes:
 *   corpus-select (values: names, female-names, male-names, essay, custom), corpus-text (textarea: the text that
 *   is trained on; editing it switches corpus-select to "custom"), corpus-file (file input: fills corpus-text),
 *   cell-select, hidden-input, layers-input, optimizer-select,
 *   train-start (start; after train-stop it resumes the same model), train-stop,
 *   save-model (downloads <corpus>-<cell><hidden>-step<n>.wrnn via encodeModel), load-model (file input: .wrnn
 *   models or checkpoints; decodeCheckpoint, else decodeModel),
 *   prompt-input, temperature-input, topk-input, generate-button, generate-output,
 *   loss-chart (holds the uPlot canvas), tokens-per-second (a plain integer), sample-output,
 *   gradient-flow-run, gradient-flow-chart.
 * Extras (not required by the tests): embed-input, lr-input, clip-input, batch-input, seqlen-input,
 *   train-reset, save-checkpoint (<…>.wrnn.ckpt via encodeCheckpoint), length-input, flow-scale, flow-theta,
 *   flow-steps, flow-hidden, flow-gate-bias, flow-nonlinearity, error-list.
 * Buttons are disabled while they cannot act: train-start until ready and while training, train-stop unless
 * training, save-model / generate-button until a model exists. The page runs the gradient flow once at load.
 * A new model is built by train-start when there is none, or when the corpus or cell / hidden / layers /
 * embedding differ from the current model's; otherwise train-start resumes.
 */

export type CellName = "rnn" | "gru" | "lstm";

export interface DemoHooks {
  ready: boolean;
  build: string;
  training: boolean;
  history: Array<{ step: number; loss: number; perplexity: number; tokensPerSecond: number }>;
  lastSample: string;
  gradientFlow: null | { rendered: boolean; cells: Record<CellName, { before: number[]; after: number[] }> };
  errors: string[];
}

declare global {
  interface Window {
    __demo: DemoHooks;
  }
}

export const hooks: DemoHooks = {
  ready: false,
  build: "",
  training: false,
  history: [],
  lastSample: "",
  gradientFlow: null,
  errors: [],
};

window.__demo = hooks;
