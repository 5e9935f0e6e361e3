// The Classify tab: its form, its worker (classify-worker.ts, started when the tab is first shown), the loss
// and metrics charts, and the name box whose every keystroke asks the worker for the class probabilities.
// Keeps window.__demo.classify (test-hooks.ts) up to date. No numeric work happens here.

import { hooks } from "./test-hooks";
import { NAME_LISTS } from "./corpora";
import { $, errorText, floatField, fmt, intField } from "./form";
import { CurveChart, EpochMetricsChart, METRIC_COLORS } from "./task-charts";
import type { ClassifierCell, ClassifierEvaluation, ClassifierInfo, ClassifierSettings, ClassifierTrainSettings, FromClassifier, ToClassifier } from "./classify-protocol";

const EXAMPLES = ["Alexandra", "Sebastian", "Maria", "Luca", "Kim", "Jordan", "Zoe", "Yusuf", "Andrea"];
const CLASS_COLORS: Record<string, string> = { female: "#b5487a", male: "#2274a5" };

export function classifyTab(showError: (message: string) => void): { activate(): void } {
  let started = false;
  return {
    activate() {
      if (started) return;
      started = true;
      start(showError);
    },
  };
}

function start(showError: (message: string) => void): void {
  const state = hooks.classify;
  const el = {
    dataInfo: $<HTMLParagraphElement>("classify-data-info"),
    cell: $<HTMLSelectElement>("classify-cell"),
    cellName: $<HTMLSpanElement>("classify-cell-name"),
    hidden: $<HTMLInputElement>("classify-hidden"),
    embed: $<HTMLInputElement>("classify-embed"),
    lr: $<HTMLInputElement>("classify-lr"),
    batch: $<HTMLInputElement>("classify-batch"),
    epochs: $<HTMLInputElement>("classify-epochs"),
    start: $<HTMLButtonElement>("classify-start"),
    stop: $<HTMLButtonElement>("classify-stop"),
    reset: $<HTMLButtonElement>("classify-reset"),
    status: $<HTMLSpanElement>("classify-status"),
    modelStatus: $<HTMLParagraphElement>("classify-model-status"),
    epoch: $<HTMLElement>("classify-stat-epoch"),
    step: $<HTMLElement>("classify-stat-step"),
    loss: $<HTMLElement>("classify-stat-loss"),
    accuracy: $<HTMLElement>("classify-stat-accuracy"),
    f1: $<HTMLElement>("classify-stat-f1"),
    speed: $<HTMLElement>("classify-stat-speed"),
    text: $<HTMLInputElement>("classify-text"),
    examples: $<HTMLDivElement>("classify-examples"),
    bars: $<HTMLDivElement>("classify-bars"),
    verdict: $<HTMLParagraphElement>("classify-verdict"),
    classTable: $<HTMLTableSectionElement>("classify-class-table"),
  };
  const lossChart = new CurveChart($("classify-loss-chart"), ["cross-entropy (nats / name)", "cross-entropy"]);
  const metricsChart = new EpochMetricsChart($("classify-metrics-chart"), [
    { label: "accuracy", color: METRIC_COLORS.accuracy },
    { label: "macro-F1", color: METRIC_COLORS.macroF1 },
  ]);

  const female = new Set(NAME_LISTS.female.map((n) => n.trim().toLowerCase()));
  const male = new Set(NAME_LISTS.male.map((n) => n.trim().toLowerCase()));
  let model: ClassifierInfo | null = null;
  let request = 0;

  const worker = new Worker(new URL("./classify-worker.ts", import.meta.url), { type: "module" });
  const send = (message: ToClassifier) => worker.postMessage(message);
  worker.onerror = (event) => {
    event.preventDefault();
    showError(`classify worker: ${event.message || "failed to start"}`);
  };
  worker.onmessageerror = () => showError("classify worker: a message could not be read");

  // ---------------------------------------------------------------------------------------------- form ----

  function modelSettings(): ClassifierSettings {
    return { cell: el.cell.value as ClassifierCell, hidden: intField(el.hidden, "Hidden size (classify)"), embed: intField(el.embed, "Embedding (classify)") };
  }

  function trainSettings(): ClassifierTrainSettings {
    return { lr: floatField(el.lr, "Learning rate (classify)", true), batch: intField(el.batch, "Batch (classify)"), epochs: intField(el.epochs, "Epochs (classify)") };
  }

  function wouldRebuild(): boolean {
    if (!model) return true;
    try {
      const s = modelSettings(), m = model.settings;
      return s.cell !== m.cell || s.hidden !== m.hidden || s.embed !== m.embed;
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
    el.status.textContent = training ? "training" : model ? "stopped" : "idle";
    el.status.className = `pill ${training ? "pill-live" : ""}`;
    el.cellName.textContent = el.cell.value.toUpperCase();
  }
  for (const input of [el.cell, el.hidden, el.embed]) input.addEventListener("input", syncButtons);

  function describe(info: ClassifierInfo): string {
    const s = info.settings;
    return `Model: embedding ${s.embed} → ${s.cell.toUpperCase()} ${s.hidden} → linear ${info.labels.length} · ${info.vocabSize} characters · ${fmt(info.parameters)} parameters. `
      + `Trains on ${fmt(info.train)} names, validates on ${fmt(info.validation)}.`;
  }

  function resetView(): void {
    state.history.length = 0;
    state.evaluations.length = 0;
    lossChart.reset();
    metricsChart.reset();
    for (const e of [el.epoch, el.step, el.loss, el.accuracy, el.f1, el.speed]) e.textContent = "–";
    el.classTable.innerHTML = `<tr><td colspan="5" class="muted">After the first epoch.</td></tr>`;
  }

  // ------------------------------------------------------------------------------------------ messages ----

  worker.onmessage = (event: MessageEvent<FromClassifier>) => {
    const m = event.data;
    switch (m.type) {
      case "ready":
        state.ready = true;
        state.build = m.build;
        el.modelStatus.textContent = "No model yet: Train builds one from the settings on the left.";
        showDataInfo();
        syncButtons();
        break;
      case "model": {
        const previous = model;
        model = m.info;
        if (!m.info || m.info.id !== previous?.id) resetView();
        el.modelStatus.textContent = m.info ? describe(m.info) : "No model yet: Train builds one from the settings on the left.";
        if (m.note) el.modelStatus.textContent += ` (${m.note}.)`;
        if (m.info) showDataInfo(m.info);
        syncButtons();
        classifyText(); // the bars follow the model (a new one, or none)
        break;
      }
      case "status":
        state.training = m.training;
        syncButtons();
        break;
      case "progress": {
        for (const p of m.points) state.history.push(p);
        lossChart.add(m.points);
        const last = m.points[m.points.length - 1];
        el.step.textContent = fmt(last.step);
        el.epoch.textContent = `${m.epoch} (${Math.round((100 * m.batch) / Math.max(1, m.batches))}%)`;
        el.loss.textContent = (m.points.reduce((sum, p) => sum + p.loss, 0) / m.points.length).toFixed(3);
        el.speed.textContent = fmt(m.namesPerSecond);
        break;
      }
      case "evaluation":
        showEvaluation(m.evaluation);
        classifyText();
        break;
      case "probabilities":
        if (m.id !== request) break; // a newer keystroke is on its way
        showProbabilities(m);
        break;
      case "no-model":
        if (m.id === request) clearBars("Train a model, then type a name.");
        break;
      case "error":
        showError(`classify: ${m.message}`);
        break;
    }
  };

  function showDataInfo(info?: ClassifierInfo): void {
    if (info) {
      el.dataInfo.textContent = `${fmt(info.counts[0] + info.counts[1])} names: ${fmt(info.counts[0])} ${info.labels[0]}, ${fmt(info.counts[1])} ${info.labels[1]} `
        + `(${fmt(info.dropped)} in both lists left out); ${fmt(info.train)} to train on, ${fmt(info.validation)} held out.`;
    } else {
      el.dataInfo.textContent = `${fmt(female.size)} female and ${fmt(male.size)} male names in the lists.`;
    }
  }

  function showEvaluation(e: ClassifierEvaluation): void {
    state.evaluations.push({ epoch: e.epoch, step: e.step, trainLoss: e.trainLoss, loss: e.loss, accuracy: e.accuracy, macroF1: e.macroF1 });
    lossChart.addValidation(e.step, e.loss);
    metricsChart.add(e.epoch, [e.accuracy, e.macroF1]);
    el.epoch.textContent = String(e.epoch);
    el.accuracy.textContent = `${(100 * e.accuracy).toFixed(1)}%`;
    el.f1.textContent = e.macroF1.toFixed(3);
    const labels = model?.labels ?? ["female", "male"];
    el.classTable.textContent = "";
    e.perClass.forEach((c, i) => {
      const row = el.classTable.insertRow();
      const name = row.insertCell();
      const swatch = document.createElement("i");
      swatch.className = "swatch";
      swatch.style.background = CLASS_COLORS[labels[i]] ?? "#888";
      name.append(swatch, labels[i]);
      row.insertCell().textContent = c.precision.toFixed(3);
      row.insertCell().textContent = c.recall.toFixed(3);
      row.insertCell().textContent = c.f1.toFixed(3);
      row.insertCell().textContent = fmt(c.support);
    });
  }

  // --------------------------------------------------------------------------------------- the name box ----

  function classifyText(): void {
    const text = el.text.value;
    request++;
    if (text.trim() === "") {
      clearBars(model ? "Type a name." : "Train a model, then type a name.");
      return;
    }
    if (!state.ready || !model) {
      clearBars("Train a model, then type a name.");
      return;
    }
    send({ type: "classify", id: request, text });
  }

  function clearBars(message: string): void {
    state.prediction = null;
    el.bars.textContent = "";
    el.verdict.textContent = message;
  }

  function showProbabilities(m: Extract<FromClassifier, { type: "probabilities" }>): void {
    state.prediction = { text: m.text, labels: m.labels, probabilities: m.probabilities, label: m.label, step: m.step };
    const rows = el.bars.children;
    if (rows.length !== m.labels.length) {
      el.bars.textContent = "";
      for (const label of m.labels) {
        const row = document.createElement("div");
        row.className = "bar";
        row.dataset.label = label;
        row.innerHTML = `<span class="bar-label"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value"></span>`;
        (row.querySelector(".bar-label") as HTMLElement).textContent = label;
        (row.querySelector(".bar-fill") as HTMLElement).style.background = CLASS_COLORS[label] ?? "#888";
        el.bars.append(row);
      }
    }
    m.labels.forEach((label, i) => {
      const row = el.bars.children[i] as HTMLElement;
      const p = m.probabilities[i];
      row.classList.toggle("bar-top", label === m.label);
      (row.querySelector(".bar-fill") as HTMLElement).style.width = `${(100 * p).toFixed(1)}%`;
      (row.querySelector(".bar-value") as HTMLElement).textContent = `${(100 * p).toFixed(1)}%`;
      row.setAttribute("aria-label", `${label}: ${(100 * p).toFixed(1)} percent`);
    });
    const name = m.text.trim().toLowerCase();
    const lists = female.has(name) && male.has(name) ? "in both lists, so not in the set"
      : female.has(name) ? "in the female list" : male.has(name) ? "in the male list" : "in neither list";
    const seen = m.seen === "train" ? ": a training name" : m.seen === "validation" ? ": held out, the model never trained on it" : "";
    const best = m.probabilities[m.labels.indexOf(m.label)];
    el.verdict.textContent = `“${m.text.trim()}” reads as ${m.label} (${(100 * best).toFixed(1)}%) after step ${fmt(m.step)}; it is ${lists}${seen}.`;
  }

  el.text.addEventListener("input", classifyText);
  for (const name of EXAMPLES) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button button-small button-quiet";
    b.textContent = name;
    b.addEventListener("click", () => {
      el.text.value = name;
      classifyText();
    });
    el.examples.append(b);
  }

  // ------------------------------------------------------------------------------------------- buttons ----

  el.start.addEventListener("click", () => {
    try {
      send({ type: "start", names: NAME_LISTS, model: modelSettings(), train: trainSettings() });
      el.start.disabled = true;
    } catch (e) {
      showError(errorText(e));
    }
  });
  el.stop.addEventListener("click", () => send({ type: "stop" }));
  el.reset.addEventListener("click", () => send({ type: "reset" }));

  showDataInfo();
  syncButtons();
}
