// The Forecast tab: its form, its worker (forecast-worker.ts, started when the tab is first shown), the loss
// chart, and the 2014 charts: the forecasts made h days ahead against the actual births, and the error by
// horizon beside the seasonal-naive baseline's, h picked with a slider. Keeps window.__demo.forecast
// (test-hooks.ts) up to date. No numeric work happens here.

import { hooks } from "./test-hooks";
import { $, fmt, intField, floatField } from "./form";
import { ForecastChart, HorizonChart } from "./task-charts";
import { TaskTab, lazyTab } from "./task-tab";
import type { ForecastData, ForecasterCell, ForecasterInfo, ForecasterSettings, ForecasterTrainSettings, FromForecaster, ToForecaster } from "./forecast-protocol";

export function forecastTab(showError: (message: string) => void): { activate(): void } {
  return lazyTab(() => start(showError));
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function start(showError: (message: string) => void): void {
  const state = hooks.forecast;
  const el = {
    dataInfo: $<HTMLParagraphElement>("forecast-data-info"),
    cell: $<HTMLSelectElement>("forecast-cell"),
    hidden: $<HTMLInputElement>("forecast-hidden"),
    lr: $<HTMLInputElement>("forecast-lr"),
    batch: $<HTMLInputElement>("forecast-batch"),
    epochs: $<HTMLInputElement>("forecast-epochs"),
    val: $<HTMLElement>("forecast-stat-val"),
    test: $<HTMLElement>("forecast-stat-test"),
    naive: $<HTMLElement>("forecast-stat-naive"),
    horizon: $<HTMLInputElement>("forecast-horizon"),
    horizonValue: $<HTMLOutputElement>("forecast-horizon-value"),
    horizonNote: $<HTMLParagraphElement>("forecast-horizon-note"),
    hText: $<HTMLSpanElement>("forecast-h-text"),
    maeTable: $<HTMLTableSectionElement>("forecast-mae-table"),
  };
  const forecastChart = new ForecastChart($("forecast-chart"));
  const horizonChart = new HorizonChart($("forecast-horizon-chart"));

  let data: ForecastData | null = null;
  /** The latest forecasts, [horizon · days], and their step. */
  let forecast: { values: Float32Array; step: number; maeByHorizon: number[] } | null = null;

  // ---------------------------------------------------------------------------------------------- form ----

  function modelSettings(): ForecasterSettings {
    return { cell: el.cell.value as ForecasterCell, hidden: intField(el.hidden, "Hidden size (forecast)") };
  }

  function trainSettings(): ForecasterTrainSettings {
    return { lr: floatField(el.lr, "Learning rate (forecast)", true), batch: intField(el.batch, "Batch (forecast)"), epochs: intField(el.epochs, "Epochs (forecast)") };
  }

  function describe(info: ForecasterInfo): string {
    const s = info.settings;
    const text = `Model: ${info.inputSize} inputs per day → ${s.cell.toUpperCase()} ${s.hidden} → linear 28 · ${fmt(info.parameters)} parameters.`;
    return info.finished ? `${text} Finished: ${info.finished}.` : text;
  }

  // -------------------------------------------------------------------------------- buttons and messages ----

  const tab = new TaskTab<ForecasterInfo, FromForecaster, ToForecaster>({
    prefix: "forecast",
    worker: new Worker(new URL("./forecast-worker.ts", import.meta.url), { type: "module" }),
    state,
    showError,
    lossLabel: ["MSE (standardised births)", "MSE"],
    lossDigits: 4,
    modelInputs: [el.cell, el.hidden],
    // a run ended by early stopping is not resumed
    rebuilds: (model) => {
      if (model.finished) return true;
      const s = modelSettings();
      return s.cell !== model.settings.cell || s.hidden !== model.settings.hidden;
    },
    finished: (model) => Boolean(model.finished),
    describe,
    startMessage: () => ({ type: "start", model: modelSettings(), train: trainSettings() }),
    resetView: () => {
      state.epochs.length = 0;
      state.forecasts = 0;
      state.maeByHorizon = null;
      forecast = null;
      for (const e of [el.val, el.test]) e.textContent = "–";
      plot();
      maeTable();
    },
    onReady: (m) => {
      data = m.data;
      state.naiveMaeByHorizon = [...m.data.naiveMaeByHorizon];
      el.dataInfo.textContent = `${fmt(data.trainDays)} training days (2000–2012: ${fmt(data.trainWindows)} windows), ${fmt(data.validationDays)} validation days `
        + `(2013: ${fmt(data.validationWindows)} windows), ${data.dates.length} test days (2014); births per day in training: mean ${fmt(data.mean)}, standard deviation ${fmt(data.std)}.`;
      el.naive.textContent = fmt(mean(data.naiveMaeByHorizon));
      plot();
      maeTable();
    },
    onMessage: (m) => {
      switch (m.type) {
        case "epoch": {
          const r = m.result;
          state.epochs.push({ epoch: r.epoch, step: r.step, trainLoss: r.trainLoss, loss: r.loss, mae: r.mae });
          tab.lossChart.addValidation(r.step, r.loss);
          tab.stats.epoch.textContent = String(r.epoch);
          el.val.textContent = fmt(r.mae);
          break;
        }
        case "forecast":
          forecast = { values: m.values, step: m.step, maeByHorizon: m.maeByHorizon };
          state.forecasts++;
          state.maeByHorizon = [...m.maeByHorizon];
          el.test.textContent = fmt(mean(m.maeByHorizon));
          plot();
          maeTable();
          break;
      }
    },
  });

  // -------------------------------------------------------------------------------------- the 2014 charts ----

  /** Draws the forecasts made h days ahead (the slider's h) and marks h in the error chart. */
  function plot(): void {
    const h = Number(el.horizon.value);
    state.horizon = h;
    el.horizonValue.textContent = `h = ${h} day${h > 1 ? "s" : ""} ahead`;
    el.hText.textContent = `${h} day${h > 1 ? "s" : ""}`;
    if (!data) return;
    const days = data.dates.length;
    const row = (values: Float32Array) => Array.from(values.subarray((h - 1) * days, h * days));
    const naive = row(data.naive);
    const values = forecast ? row(forecast.values) : null;
    const plotted = { horizon: h, step: forecast?.step ?? 0, dates: data.dates, actual: data.actual, forecast: values, naive, rendered: false };
    state.plotted = plotted;
    const done = () => {
      if (state.plotted === plotted) plotted.rendered = true;
    };
    let pending = 2;
    const both = () => {
      if (--pending === 0) done();
    };
    forecastChart.show(data.dates, data.actual, values, naive, both);
    horizonChart.show(forecast?.maeByHorizon ?? null, data.naiveMaeByHorizon, h, both);
    const naiveMae = data.naiveMaeByHorizon[h - 1];
    if (forecast) {
      const mae = forecast.maeByHorizon[h - 1];
      const change = (100 * (mae - naiveMae)) / naiveMae;
      el.horizonNote.textContent = `h = ${h}: the model's MAE over 2014 is ${fmt(mae)} births per day, the seasonal naive's ${fmt(naiveMae)} `
        + `(${change < 0 ? "−" : "+"}${Math.abs(change).toFixed(0)}%), after step ${fmt(forecast.step)}.`;
    } else {
      el.horizonNote.textContent = `h = ${h}: the seasonal naive's MAE over 2014 is ${fmt(naiveMae)} births per day; train the model to compare.`;
    }
  }

  /** The MAE by horizon in numbers: each week of horizons (the baseline repeats one week per row) and all 28. */
  function maeTable(): void {
    if (!data) return;
    const naive = data.naiveMaeByHorizon, model = forecast?.maeByHorizon ?? null;
    const rows: { label: string; from: number; to: number }[] = [];
    for (let from = 1; from <= naive.length; from += 7) rows.push({ label: `${from}–${Math.min(from + 6, naive.length)}`, from, to: Math.min(from + 6, naive.length) });
    rows.push({ label: `all (1–${naive.length})`, from: 1, to: naive.length });
    el.maeTable.textContent = "";
    for (const r of rows) {
      const n = mean(naive.slice(r.from - 1, r.to)), m = model ? mean(model.slice(r.from - 1, r.to)) : null;
      const row = el.maeTable.insertRow();
      row.insertCell().textContent = r.label;
      row.insertCell().textContent = m === null ? "–" : fmt(m);
      row.insertCell().textContent = fmt(n);
      const change = m === null ? "–" : `${m < n ? "−" : "+"}${Math.abs((100 * (m - n)) / n).toFixed(0)}%`;
      row.insertCell().textContent = change;
    }
  }

  el.horizon.addEventListener("input", plot);

  plot();
  tab.syncButtons();
}
