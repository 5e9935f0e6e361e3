// The Forecast tab's worker: the daily US births 2000–2014, standardised with a Normalizer fitted on the
// training years (2000–2012), cut into direct windows (56 days of births and calendar features in, the next 28
// days out); an LSTM (or GRU) → Pool(last) → Linear forecaster trained with the library's TaskTrainer one update
// per epochSteps().next(), in slices of ~60 ms, validated on 2013 (early stopping on its MAE). After every epoch
// it forecasts every day of 2014 from every horizon 1–28 and sends the forecasts with their error by horizon;
// the seasonal-naive baseline (the same weekday in the last week seen) is computed once, with the data.
// All numeric work is the library's (wasm); this file only schedules it.

import {
  init, Sequential, Normalizer, TaskTrainer, forecastDirect, predictOutputs, splitByTime, timeSeriesWindows, type RegressionMetrics,
  type TimeSeries, type WindowOptions,
} from "wasm-rnn/tasks";
import { births, firstDay } from "virtual:ssa-us-births";
import type { ForecastData, ForecasterEpoch, ForecasterInfo, ForecasterSettings, ForecasterTrainSettings, FromForecaster, ToForecaster } from "./forecast-protocol";
import { TaskSessions, type TaskSession } from "./task-session";
import { serveMessages } from "./worker-util";

const SEED = 1;
const LOOKBACK = 56;
const HORIZON = 28;
const TRAIN_END = "2013-01-01";
const TEST_START = "2014-01-01";
const PATIENCE = 5;
const DAY_MS = 86_400_000;
const WINDOW: WindowOptions = { lookback: LOOKBACK, horizon: HORIZON, targets: [0], calendar: ["dayOfWeek", "dayOfYear"], output: "direct" };

const post = (message: FromForecaster, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

// ---------------------------------------------------------------------------------------------- the data ----

interface Prepared {
  data: ForecastData;
  scale: Normalizer;
  train: ReturnType<typeof timeSeriesWindows>;
  validation: ReturnType<typeof timeSeriesWindows>;
  /** Inputs of the windows whose forecasts cover 2014 at every horizon: window k predicts test days k−27 … k. */
  testInputs: Float32Array[];
  actual: Float32Array;
}

function prepare(): Prepared {
  const start = Date.parse(`${firstDay}T00:00:00Z`);
  const dates = births.map((_, i) => new Date(start + i * DAY_MS));
  const series: TimeSeries = { values: Float32Array.from(births), features: 1, dates };
  const parts = splitByTime(series, { trainEnd: TRAIN_END, validationEnd: TEST_START, context: LOOKBACK });
  const scale = Normalizer.fit(parts.train.values, 1); // the training years only
  const standardised = (s: TimeSeries): TimeSeries => ({ ...s, values: scale.transform(s.values) });
  const train = timeSeriesWindows(standardised(parts.train), WINDOW);
  const validation = timeSeriesWindows(standardised(parts.validation), WINDOW);

  // The test year: a forecast for day d made h days ahead comes from the window whose input ends at day d − h.
  // Those windows start LOOKBACK + HORIZON − 1 days before 2014 and end at its last day but one; their targets
  // run up to HORIZON − 1 days past the series, padded (never scored: only the inputs are used).
  const testStart = dates.findIndex((d) => d.getTime() >= Date.parse(`${TEST_START}T00:00:00Z`));
  const n = births.length, days = n - testStart;
  const from = testStart - (LOOKBACK + HORIZON - 1);
  const padded = new Float32Array(n - from + HORIZON - 1);
  padded.set(scale.transform(series.values.subarray(from)));
  const paddedDates = Array.from({ length: padded.length }, (_, i) => new Date(start + (from + i) * DAY_MS));
  const test = timeSeriesWindows({ values: padded, features: 1, dates: paddedDates }, WINDOW);
  const testInputs = test.dataset.examples.map((e) => e.input as Float32Array);
  if (testInputs.length !== days + HORIZON - 1) throw new Error(`expected ${days + HORIZON - 1} test windows, got ${testInputs.length}`);
  // the alignment, against the input the library's forecastDirect builds from a history: window k's input
  // is the LOOKBACK days up to day testStart + k − HORIZON
  const all = scale.transform(series.values);
  for (const k of [0, testInputs.length - 1]) {
    const end = testStart + k - HORIZON + 1;
    let input: Float32Array | null = null;
    const capture = (inputs: Float32Array[]) => {
      input = inputs[0];
      return [new Float32Array(HORIZON)];
    };
    forecastDirect(capture, { values: all.subarray(0, end), features: 1, dates: dates.slice(0, end) }, WINDOW);
    if (!input || !testInputs[k].every((v, i) => v === input![i])) throw new Error(`test window ${k} is not the forecast input of the history up to step ${end - 1}`);
  }

  const actual = series.values.slice(testStart);
  // seasonal naive: the same weekday in the last week before the forecast was made, D − 7·⌈h/7⌉
  const naive = new Float32Array(HORIZON * days);
  const naiveMaeByHorizon: number[] = [];
  for (let h = 1; h <= HORIZON; h++) {
    let sum = 0;
    for (let d = 0; d < days; d++) {
      const v = series.values[testStart + d - 7 * Math.ceil(h / 7)];
      naive[(h - 1) * days + d] = v;
      sum += Math.abs(v - actual[d]);
    }
    naiveMaeByHorizon.push(sum / days);
  }
  const data: ForecastData = {
    dates: dates.slice(testStart).map((d) => d.toISOString().slice(0, 10)),
    actual: Array.from(actual), naive, naiveMaeByHorizon, lookback: LOOKBACK, horizon: HORIZON,
    trainDays: parts.train.values.length, validationDays: parts.validation.values.length - LOOKBACK,
    trainWindows: train.dataset.examples.length, validationWindows: validation.dataset.examples.length,
    mean: scale.mean[0], std: scale.std[0],
  };
  return { data, scale, train, validation, testInputs, actual };
}

// -------------------------------------------------------------------------------------------- sessions ----

interface Session extends TaskSession<ForecasterSettings, ForecasterTrainSettings> {
  model: Sequential;
  /** Why the run ended for good (early stopping), or null. */
  finished: string | null;
}

let prepared: Prepared | null = null;

const sessions = new TaskSessions<ForecasterSettings, ForecasterTrainSettings, Session, ForecasterInfo>({
  post,
  rebuildReason: (s, settings) => (s.finished ? "the last run ended with early stopping, so this is a new model"
    : sameSettings(s.settings, settings) ? null : "the model settings changed, so this is a new model"),
  makeTrainer: (s, train) => makeTrainer(s.model, train),
  disposeModel: (s) => s.model.dispose(),
  info,
  progress: (points, last) => post({ type: "progress", points, epoch: last.epoch, batch: last.batch, batches: last.batches }),
  epochEnded: (s, ended) => () => {
    if (ended.stopped && !ended.validation) throw new Error(`training stopped: ${ended.stopped}. Lower the learning rate.`);
    const v = ended.validation!;
    const result: ForecasterEpoch = {
      epoch: ended.epoch, step: s.trainer.step, trainLoss: ended.loss, loss: v.loss,
      mae: (v.metrics as RegressionMetrics).mae * prepared!.scale.std[0], improved: ended.improved ?? false,
    };
    post({ type: "epoch", result });
    sendForecast(s);
    if (ended.stopped) s.finished = ended.stopped; // early stopping: the run has ended for good
    return ended.stopped;
  },
});

const ready = init().then(({ build }) => {
  prepared = prepare();
  const data = prepared.data;
  post({ type: "ready", build, data: { ...data, naive: data.naive.slice() } });
});

serveMessages(ready, async (message: ToForecaster) => {
  switch (message.type) {
    case "start":
      return await sessions.start(message.model, message.train, (id) => newSession(id, message.model, message.train));
    case "stop":
      return sessions.stop();
    case "reset":
      return await sessions.reset();
  }
}, post);

function sameSettings(a: ForecasterSettings, b: ForecasterSettings): boolean {
  return a.cell === b.cell && a.hidden === b.hidden;
}

function makeTrainer(model: Sequential, t: ForecasterTrainSettings): TaskTrainer {
  const p = prepared!;
  return new TaskTrainer(model, p.train.dataset, {
    batchSize: t.batch, optimizer: { name: "adam", lr: t.lr }, clip: 1, validation: p.validation.dataset, seed: SEED,
    earlyStopping: { metric: "mae", patience: PATIENCE },
  });
}

function newSession(id: number, settings: ForecasterSettings, train: ForecasterTrainSettings): Session {
  const p = prepared!;
  const model = Sequential.fromConfig([
    { name: "rnn", type: settings.cell === "gru" ? "GRU" : "LSTM", inputSize: p.train.dataset.inputSize, hiddenSize: settings.hidden },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: settings.hidden, outFeatures: HORIZON },
  ], { seed: SEED });
  try {
    return { id, model, trainer: makeTrainer(model, train), settings, train: { ...train }, steps: null, last: null, finished: null };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function info(s: Session): ForecasterInfo {
  return {
    id: s.id, settings: s.settings, parameters: s.model.parameterCount, inputSize: s.model.inputSize, step: s.trainer.step, epoch: s.trainer.epoch,
    finished: s.finished,
  };
}

// -------------------------------------------------------------------------------------------- forecasts ----

/** Every day of the test year from every horizon, on the births scale, and the MAE of each horizon. */
function sendForecast(s: Session): void {
  const p = prepared!, days = p.actual.length;
  const outputs = predictOutputs(s.model, p.testInputs, { batchSize: 128 }).map((y) => p.scale.inverse(y, [0]));
  const values = new Float32Array(HORIZON * days);
  const maeByHorizon: number[] = [];
  for (let h = 1; h <= HORIZON; h++) {
    let sum = 0;
    for (let d = 0; d < days; d++) {
      // the window whose input ends h days before day d: k = d + HORIZON − h
      const v = outputs[d + HORIZON - h][h - 1];
      values[(h - 1) * days + d] = v;
      sum += Math.abs(v - p.actual[d]);
    }
    maeByHorizon.push(sum / days);
  }
  post({ type: "forecast", epoch: s.trainer.epoch, step: s.trainer.step, values, maeByHorizon }, [values.buffer]);
}
