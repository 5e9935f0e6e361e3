// The Classify tab: its form, its worker (classify-worker.ts, started when the tab is first shown), the loss
// and metrics charts, and the name box whose every keystroke asks the worker for the class probabilities.
// Keeps window.__demo.classify (test-hooks.ts) up to date. No numeric work happens here.

import { hooks } from "./test-hooks";
import { NAME_LISTS } from "./corpora";
import { $, floatField, fmt, intField } from "./form";
import { EpochMetricsChart, METRIC_COLORS } from "./task-charts";
import { TaskTab, lazyTab } from "./task-tab";
import type { ClassifierCell, ClassifierEvaluation, ClassifierInfo, ClassifierSettings, ClassifierTrainSettings, FromClassifier, ToClassifier } from "./classify-protocol";

const EXAMPLES = ["Alexandra", "Sebastian", "Maria", "Luca", "Kim", "Jordan", "Zoe", "Yusuf", "Andrea"];
const CLASS_COLORS: Record<string, string> = { female: "#b5487a", male: "#2274a5" };

export function classifyTab(showError: (message: string) => void): { activate(): void } {
  return lazyTab(() => start(showError));
}

function start(showError: (message: string) => void): void {
  const state = hooks.classify;
  const el = {
    dataInfo: $<HTMLParagraphElement>("classify-data-info"),
    cell: $<HTMLSelectElement>("classify-cell"),
    hidden: $<HTMLInputElement>("classify-hidden"),
    embed: $<HTMLInputElement>("classify-embed"),
    lr: $<HTMLInputElement>("classify-lr"),
    batch: $<HTMLInputElement>("classify-batch"),
    epochs: $<HTMLInputElement>("classify-epochs"),
    accuracy: $<HTMLElement>("classify-stat-accuracy"),
    f1: $<HTMLElement>("classify-stat-f1"),
    speed: $<HTMLElement>("classify-stat-speed"),
    text: $<HTMLInputElement>("classify-text"),
    examples: $<HTMLDivElement>("classify-examples"),
    bars: $<HTMLDivElement>("classify-bars"),
    verdict: $<HTMLParagraphElement>("classify-verdict"),
    classTable: $<HTMLTableSectionElement>("classify-class-table"),
  };
  const metricsChart = new EpochMetricsChart($("classify-metrics-chart"), [
    { label: "accuracy", color: METRIC_COLORS.accuracy },
    { label: "macro-F1", color: METRIC_COLORS.macroF1 },
  ]);

  const female = new Set(NAME_LISTS.female.map((n) => n.trim().toLowerCase()));
  const male = new Set(NAME_LISTS.male.map((n) => n.trim().toLowerCase()));
  let request = 0;

  // ---------------------------------------------------------------------------------------------- form ----

  function modelSettings(): ClassifierSettings {
    return { cell: el.cell.value as ClassifierCell, hidden: intField(el.hidden, "Hidden size (classify)"), embed: intField(el.embed, "Embedding (classify)") };
  }

  function trainSettings(): ClassifierTrainSettings {
    return { lr: floatField(el.lr, "Learning rate (classify)", true), batch: intField(el.batch, "Batch (classify)"), epochs: intField(el.epochs, "Epochs (classify)") };
  }

  function describe(info: ClassifierInfo): string {
    const s = info.settings;
    return `Model: embedding ${s.embed} → ${s.cell.toUpperCase()} ${s.hidden} → linear ${info.labels.length} · ${info.vocabSize} characters · ${fmt(info.parameters)} parameters. `
      + `Trains on ${fmt(info.train)} names, validates on ${fmt(info.validation)}.`;
  }

  // -------------------------------------------------------------------------------- buttons and messages ----

  const tab = new TaskTab<ClassifierInfo, FromClassifier, ToClassifier>({
    prefix: "classify",
    worker: new Worker(new URL("./classify-worker.ts", import.meta.url), { type: "module" }),
    state,
    showError,
    lossLabel: ["cross-entropy (nats / name)", "cross-entropy"],
    lossDigits: 3,
    modelInputs: [el.cell, el.hidden, el.embed],
    rebuilds: (model) => {
      const s = modelSettings(), m = model.settings;
      return s.cell !== m.cell || s.hidden !== m.hidden || s.embed !== m.embed;
    },
    describe,
    startMessage: () => ({ type: "start", names: NAME_LISTS, model: modelSettings(), train: trainSettings() }),
    resetView: () => {
      state.evaluations.length = 0;
      metricsChart.reset();
      for (const e of [el.accuracy, el.f1, el.speed]) e.textContent = "–";
      el.classTable.innerHTML = `<tr><td colspan="5" class="muted">After the first epoch.</td></tr>`;
    },
    onReady: () => showDataInfo(),
    onModel: (info) => {
      if (info) showDataInfo(info);
      classifyText(); // the bars follow the model (a new one, or none)
    },
    onProgress: (m) => {
      el.speed.textContent = fmt(m.namesPerSecond);
    },
    onMessage: (m) => {
      switch (m.type) {
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
      }
    },
  });

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
    tab.lossChart.addValidation(e.step, e.loss);
    metricsChart.add(e.epoch, [e.accuracy, e.macroF1]);
    tab.stats.epoch.textContent = String(e.epoch);
    el.accuracy.textContent = `${(100 * e.accuracy).toFixed(1)}%`;
    el.f1.textContent = e.macroF1.toFixed(3);
    const labels = tab.model?.labels ?? ["female", "male"];
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
      clearBars(tab.model ? "Type a name." : "Train a model, then type a name.");
      return;
    }
    if (!state.ready || !tab.model) {
      clearBars("Train a model, then type a name.");
      return;
    }
    tab.send({ type: "classify", id: request, text });
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

  showDataInfo();
  tab.syncButtons();
}
