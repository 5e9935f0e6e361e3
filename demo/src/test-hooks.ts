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
 *   quantize: { busy, step, rows }
 *                             the Quantize panel: busy while the worker measures; step: the model's step when it
 *                             was asked (null before); rows: { weights: "f32" | "int8" | "f16", bytes (encodeModel),
 *                             tokensPerSecond (2,000 tokens at batch 1, same prompt and seed), validationPerplexity
 *                             (null without held-out text), sample }, in that order, appended as measured
 *   errors: string[]          every worker / page error, as shown to the user (all tabs)
 *   tab: "lm" | "classify" | "forecast"   the tab shown (also the URL's #hash: #classify, #forecast)
 *   classify, forecast        the task tabs (below); their workers start when the tab is first shown
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
 *   gradient-flow-run, gradient-flow-chart, quantize-button (enabled when there is a model and no training),
 *   quantize-table (a row per entry of quantize.rows, its first cell the weight type), quantize-samples.
 * Extras (not required by the tests): embed-input, lr-input, clip-input, batch-input, seqlen-input,
 *   train-reset, save-checkpoint (<…>.wrnn.ckpt via encodeCheckpoint), length-input, flow-scale, flow-theta,
 *   flow-steps, flow-hidden, flow-gate-bias, flow-nonlinearity, error-list.
 * Buttons are disabled while they cannot act: train-start until ready and while training, train-stop unless
 * training, save-model / generate-button until a model exists. The page runs the gradient flow once at load.
 * A new model is built by train-start when there is none, or when the corpus or cell / hidden / layers /
 * embedding differ from the current model's; otherwise train-start resumes.
 *
 * Classify tab (data-testid tab-classify): window.__demo.classify = {
 *   ready, build, training      as above, for its worker
 *   history: { step, loss }[]   the training loss of every update (appended every ~60 ms), emptied for a new model
 *   evaluations: { epoch, step, trainLoss, loss, accuracy, macroF1 }[]
 *                               on the held-out names after each epoch; trainLoss is the epoch's mean
 *   prediction: null | { text, labels, probabilities, label, step }
 *                               what the bars show for the text in classify-text (labels "female", "male");
 *                               null while the box is empty or there is no model
 * } and data-testids classify-cell, classify-hidden, classify-embed, classify-lr, classify-batch,
 *   classify-epochs (epochs per Train click), classify-start, classify-stop, classify-reset, classify-text
 *   (every input event sends the text to the worker), classify-bars, classify-loss-chart, classify-metrics-chart.
 *
 * Forecast tab (data-testid tab-forecast): window.__demo.forecast = {
 *   ready, build, training, history: { step, loss }[]   as for classify
 *   epochs: { epoch, step, trainLoss, loss, mae }[]     loss: validation (2013) MSE, standardised; mae: births/day
 *   forecasts: number           forecasts of 2014 received (one after each epoch)
 *   horizon: number             the slider's h (1–28)
 *   maeByHorizon: number[] | null   the latest forecast's MAE over 2014 for h = 1…28 (births per day)
 *   naiveMaeByHorizon: number[]     the same for the seasonal-naive baseline (value of the same weekday in the
 *                                   last week seen: day − 7·⌈h/7⌉)
 *   plotted: null | { horizon, step, dates, actual, forecast, naive, rendered }
 *                               what the forecast chart shows: the 365 days of 2014, the actual births, the
 *                               forecasts made h days ahead (null before the first epoch) and the baseline's;
 *                               rendered = drawn in the chart
 * } and data-testids forecast-cell, forecast-hidden, forecast-lr, forecast-batch, forecast-epochs,
 *   forecast-start, forecast-stop, forecast-reset, forecast-horizon (range input 1–28), forecast-loss-chart,
 *   forecast-chart, forecast-horizon-chart, forecast-mae-table (rows: h 1–7, 8–14, 15–21, 22–28, all; cells: h,
 *   model MAE, seasonal-naive MAE, change; means of the MAEs by horizon).
 */

export type CellName = "rnn" | "gru" | "lstm";

export type TabName = "lm" | "classify" | "forecast";

export interface ClassifyHooks {
  ready: boolean;
  build: string;
  training: boolean;
  history: Array<{ step: number; loss: number }>;
  evaluations: Array<{ epoch: number; step: number; trainLoss: number; loss: number; accuracy: number; macroF1: number }>;
  prediction: null | { text: string; labels: string[]; probabilities: number[]; label: string; step: number };
}

export interface ForecastHooks {
  ready: boolean;
  build: string;
  training: boolean;
  history: Array<{ step: number; loss: number }>;
  epochs: Array<{ epoch: number; step: number; trainLoss: number; loss: number; mae: number }>;
  forecasts: number;
  horizon: number;
  maeByHorizon: number[] | null;
  naiveMaeByHorizon: number[];
  plotted: null | { horizon: number; step: number; dates: string[]; actual: number[]; forecast: number[] | null; naive: number[]; rendered: boolean };
}

export interface QuantizeHooks {
  busy: boolean;
  step: number | null;
  rows: Array<{ weights: "f32" | "int8" | "f16"; bytes: number; tokensPerSecond: number; validationPerplexity: number | null; sample: string }>;
}

export interface DemoHooks {
  ready: boolean;
  build: string;
  training: boolean;
  history: Array<{ step: number; loss: number; perplexity: number; tokensPerSecond: number }>;
  lastSample: string;
  gradientFlow: null | { rendered: boolean; cells: Record<CellName, { before: number[]; after: number[] }> };
  quantize: QuantizeHooks;
  errors: string[];
  tab: TabName;
  classify: ClassifyHooks;
  forecast: ForecastHooks;
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
  quantize: { busy: false, step: null, rows: [] },
  errors: [],
  tab: "lm",
  classify: { ready: false, build: "", training: false, history: [], evaluations: [], prediction: null },
  forecast: {
    ready: false, build: "", training: false, history: [], epochs: [], forecasts: 0, horizon: 7, maeByHorizon: null, naiveMaeByHorizon: [], plotted: null,
  },
};

window.__demo = hooks;
