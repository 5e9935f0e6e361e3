// The Forecast tab: its form, its worker (forecast-worker.ts, started when the tab is first shown), the loss
// chart, and the 2014 charts: the forecasts made h days ahead against the actual births, and the error by
// horizon beside the seasonal-naive baseline's, h picked with a slider. Keeps window.__demo.forecast
// (test-hooks.ts) up to date. No numeric work happens here.

import { hooks } from "./test-hooks";
import { $, errorText, fmt, floatField, intField } from "./form";
import { CurveChart, ForecastChart, HorizonChart } from "./task-charts";
import type { ForecastData, ForecasterCell, ForecasterInfo, ForecasterSettings, ForecasterTrainSettings, FromForecaster, ToForecaster } from "./forecast-protocol";

export function forecastTab(showError: (message: string) => void): { activate(): void } {
  let started = false;
  return {
    activate() {
      if (started) return;
      started = true;
      start(showError);
    },
  };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function start(showError: (message: string) => void): void {
  const state = hooks.forecast;
  const el = {
    dataInfo: $<HTMLParagraphElement>("forecast-data-info"),
    cell: $<HTMLSelectElement>("forecast-cell"),
    cellName: $<HTMLSpanElement>("forecast-cell-name"),
    hidden: $<HTMLInputElement>("forecast-hidden"),
    lr: $<HTMLInputElement>("forecast-lr"),
    batch: $<HTMLInputElement>("forecast-batch"),
    epochs: $<HTMLInputElement>("forecast-epochs"),
    start: $<HTMLButtonElement>("forecast-start"),
    stop: $<HTMLButtonElement>("forecast-stop"),
    reset: $<HTMLButtonElement>("forecast-reset"),
    status: $<HTMLSpanElement>("forecast-status"),
    modelStatus: $<HTMLParagraphElement>("forecast-model-status"),
    epoch: $<HTMLElement>("forecast-stat-epoch"),
    step: $<HTMLElement>("forecast-stat-step"),
    loss: $<HTMLElement>("forecast-stat-loss"),
    val: $<HTMLElement>("forecast-stat-val"),
    test: $<HTMLElement>("forecast-stat-test"),
    naive: $<HTMLElement>("forecast-stat-naive"),
    horizon: $<HTMLInputElement>("forecast-horizon"),
    horizonValue: $<HTMLOutputElement>("forecast-horizon-value"),
    horizonNote: $<HTMLParagraphElement>("forecast-horizon-note"),
    hText: $<HTMLSpanElement>("forecast-h-text"),
    maeTable: $<HTMLTableSectionElement>("forecast-mae-table"),
  };
  const lossChart = new CurveChart($("forecast-loss-chart"), ["MSE (standardised births)", "MSE"]);
  const forecastChart = new ForecastChart($("forecast-chart"));
  const horizonChart = new HorizonChart($("forecast-horizon-chart"));

  let data: ForecastData | null = null;
  let model: ForecasterInfo | null = null;
  /** The latest forecasts, [horizon · days], and their step. */
  let forecast: { values: Float32Array; step: number; maeByHorizon: number[] } | null = null;

  const worker = new Worker(new URL("./forecast-worker.ts", import.meta.url), { type: "module" });
  const send = (message: ToForecaster) => worker.postMessage(message);
  worker.onerror = (event) => {
    event.preventDefault();
    showError(`forecast worker: ${event.message || "failed to start"}`);
  };
  worker.onmessageerror = () => showError("forecast worker: a message could not be read");

  // ---------------------------------------------------------------------------------------------- form ----

  function modelSettings(): ForecasterSettings {
    return { cell: el.cell.value as ForecasterCell, hidden: intField(el.hidden, "Hidden size (forecast)") };
  }

  function trainSettings(): ForecasterTrainSettings {
    return { lr: floatField(el.lr, "Learning rate (forecast)", true), batch: intField(el.batch, "Batch (forecast)"), epochs: intField(el.epochs, "Epochs (forecast)") };
  }

  function wouldRebuild(): boolean {
    if (!model || model.finished) return true;
    try {
      const s = modelSettings();
      return s.cell !== model.settings.cell || s.hidden !== model.settings.hidden;
    } catch {
      return false;
    }
  }

  function syncButtons(): void {
    const { ready, training } = state;
    el.start.disabled = !ready || training;
    el.stop.disabled = !training;
    el.reset.disabled = !ready || training || model === null;
    el.start.textContent = training ? "Training…" : model === null ? "Train" : wouldRebuild() ? "Train new model" : "Resume";
    el.status.textContent = training ? "training" : model?.finished ? "done" : model ? "stopped" : "idle";
    el.status.className = `pill ${training ? "pill-live" : ""}`;
    el.cellName.textContent = el.cell.value.toUpperCase();
  }
  for (const input of [el.cell, el.hidden]) input.addEventListener("input", syncButtons);

  function describe(info: ForecasterInfo): string {
    const s = info.settings;
    const text = `Model: ${info.inputSize} inputs per day → ${s.cell.toUpperCase()} ${s.hidden} → linear 28 · ${fmt(info.parameters)} parameters.`;
    return info.finished ? `${text} Finished: ${info.finished}.` : text;
  }

  function resetView(): void {
    state.history.length = 0;
    state.epochs.length = 0;
    state.forecasts = 0;
    state.maeByHorizon = null;
    forecast = null;
    lossChart.reset();
    for (const e of [el.epoch, el.step, el.loss, el.val, el.test]) e.textContent = "–";
    plot();
    maeTable();
  }

  // ------------------------------------------------------------------------------------------ messages ----

  worker.onmessage = (event: MessageEvent<FromForecaster>) => {
    const m = event.data;
    switch (m.type) {
      case "ready":
        data = m.data;
        state.ready = true;
        state.build = m.build;
        state.naiveMaeByHorizon = [...m.data.naiveMaeByHorizon];
        el.dataInfo.textContent = `${fmt(data.trainDays)} training days (2000–2012: ${fmt(data.trainWindows)} windows), ${fmt(data.validationDays)} validation days `
          + `(2013: ${fmt(data.validationWindows)} windows), ${data.dates.length} test days (2014); births per day in training: mean ${fmt(data.mean)}, standard deviation ${fmt(data.std)}.`;
        el.naive.textContent = fmt(mean(data.naiveMaeByHorizon));
        el.modelStatus.textContent = "No model yet: Train builds one from the settings on the left.";
        syncButtons();
        plot();
        maeTable();
        break;
      case "model": {
        const previous = model;
        model = m.info;
        if (!m.info || m.info.id !== previous?.id) resetView();
        el.modelStatus.textContent = m.info ? describe(m.info) : "No model yet: Train builds one from the settings on the left.";
        if (m.note) el.modelStatus.textContent += ` (${m.note}.)`;
        syncButtons();
        break;
      }
      case "status":
        state.training = m.training;
        syncButtons();
        break;
      case "progress": {
        for (const p of m.points) state.history.push(p);
        lossChart.add(m.points);
        el.step.textContent = fmt(m.points[m.points.length - 1].step);
        el.epoch.textContent = `${m.epoch} (${Math.round((100 * m.batch) / Math.max(1, m.batches))}%)`;
        el.loss.textContent = mean(m.points.map((p) => p.loss)).toFixed(4);
        break;
      }
      case "epoch": {
        const r = m.result;
        state.epochs.push({ epoch: r.epoch, step: r.step, trainLoss: r.trainLoss, loss: r.loss, mae: r.mae });
        lossChart.addValidation(r.step, r.loss);
        el.epoch.textContent = String(r.epoch);
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
      case "error":
        showError(`forecast: ${m.message}`);
        break;
    }
  };

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

  // ------------------------------------------------------------------------------------------- buttons ----

  el.start.addEventListener("click", () => {
    try {
      send({ type: "start", model: modelSettings(), train: trainSettings() });
      el.start.disabled = true;
    } catch (e) {
      showError(errorText(e));
    }
  });
  el.stop.addEventListener("click", () => send({ type: "stop" }));
  el.reset.addEventListener("click", () => send({ type: "reset" }));

  plot();
  syncButtons();
}
