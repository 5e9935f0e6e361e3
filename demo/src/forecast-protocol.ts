// Messages between the page's Forecast tab (forecast-tab.ts) and its worker (forecast-worker.ts).
// Everything is structured-cloneable.

export type ForecasterCell = "lstm" | "gru";

export interface ForecasterSettings {
  cell: ForecasterCell;
  hidden: number;
}

export interface ForecasterTrainSettings {
  lr: number;
  batch: number;
  /** Epochs per Train click (a resume trains as many more), unless early stopping ends the run. */
  epochs: number;
}

/** The series and the seasonal-naive baseline, sent once the worker has loaded the data (no model needed). */
export interface ForecastData {
  /** ISO dates of the test year (2014), one per day. */
  dates: string[];
  /** Births on each test day. */
  actual: number[];
  /** Seasonal naive, [horizon · days]: row h−1 = the forecast made h days ahead (same weekday, last week seen). */
  naive: Float32Array;
  naiveMaeByHorizon: number[];
  lookback: number;
  horizon: number;
  trainDays: number;
  validationDays: number;
  trainWindows: number;
  validationWindows: number;
  /** The training part's mean and standard deviation (births per day). */
  mean: number;
  std: number;
}

export interface ForecasterInfo {
  id: number;
  settings: ForecasterSettings;
  parameters: number;
  inputSize: number;
  step: number;
  epoch: number;
  /** Set when the run ended for good (early stopping): Train builds a new model. */
  finished: string | null;
}

export interface ForecasterEpoch {
  epoch: number;
  step: number;
  /** Mean training loss (MSE on the standardised scale). */
  trainLoss: number;
  /** On the 2013 windows: MSE (standardised) and MAE in births per day, over all 28 horizons. */
  loss: number;
  mae: number;
  improved: boolean;
}

export type ToForecaster =
  | { type: "start"; model: ForecasterSettings; train: ForecasterTrainSettings }
  | { type: "stop" }
  | { type: "reset" };

export type FromForecaster =
  | { type: "ready"; build: string; data: ForecastData }
  | { type: "model"; info: ForecasterInfo | null; note?: string }
  | { type: "status"; training: boolean; note?: string }
  | { type: "progress"; points: { step: number; loss: number }[]; epoch: number; batch: number; batches: number }
  | { type: "epoch"; result: ForecasterEpoch }
  /** The test-year forecasts of the current weights: [horizon · days], row h−1 = made h days ahead. */
  | { type: "forecast"; epoch: number; step: number; values: Float32Array; maeByHorizon: number[] }
  | { type: "error"; message: string };
