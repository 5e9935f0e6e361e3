// The demo page: the language-model tab (reads the form, talks to the training worker and the gradient-flow
// worker, draws the charts; its Quantize panel is quantize-panel.ts), the page's error list, and the tab bar,
// whose Classify and Forecast tabs live in classify-tab.ts and forecast-tab.ts. Keeps window.__demo
// (test-hooks.ts) up to date. No numeric work happens here.

import { hooks } from "./test-hooks";
import { BUILTIN_CORPORA, CUSTOM_CORPUS } from "./corpora";
import { CELL_COLORS, FlowChart, LossChart } from "./charts";
import { $, floatField, fmt, intField, numberField } from "./form";
import { setupTabs } from "./tabs";
import { classifyTab } from "./classify-tab";
import { forecastTab } from "./forecast-tab";
import { quantizePanel } from "./quantize-panel";
import type {
  CellFlow, CellName, CorpusMessage, FromGradientFlow, FromTrainer, GradientFlowRequest, ModelInfo, ModelSettings, ToTrainer, TrainSettings,
} from "./protocol";

// --------------------------------------------------------------------------------------------- elements ----

const el = {
  engine: $<HTMLSpanElement>("engine-status"),
  errors: $<HTMLDivElement>("errors"),
  corpusSelect: $<HTMLSelectElement>("corpus-select"),
  corpusText: $<HTMLTextAreaElement>("corpus-text"),
  corpusFile: $<HTMLInputElement>("corpus-file"),
  corpusInfo: $<HTMLSpanElement>("corpus-info"),
  cell: $<HTMLSelectElement>("cell-select"),
  hidden: $<HTMLInputElement>("hidden-input"),
  layers: $<HTMLInputElement>("layers-input"),
  embed: $<HTMLInputElement>("embed-input"),
  optimizer: $<HTMLSelectElement>("optimizer-select"),
  lr: $<HTMLInputElement>("lr-input"),
  clip: $<HTMLInputElement>("clip-input"),
  batch: $<HTMLInputElement>("batch-input"),
  seqLen: $<HTMLInputElement>("seqlen-input"),
  start: $<HTMLButtonElement>("train-start"),
  stop: $<HTMLButtonElement>("train-stop"),
  reset: $<HTMLButtonElement>("train-reset"),
  modelStatus: $<HTMLParagraphElement>("model-status"),
  saveModel: $<HTMLButtonElement>("save-model"),
  saveCheckpoint: $<HTMLButtonElement>("save-checkpoint"),
  loadModel: $<HTMLInputElement>("load-model"),
  trainingStatus: $<HTMLSpanElement>("training-status"),
  step: $<HTMLElement>("stat-step"),
  epoch: $<HTMLElement>("stat-epoch"),
  loss: $<HTMLElement>("stat-loss"),
  ppl: $<HTMLElement>("stat-ppl"),
  val: $<HTMLElement>("stat-val"),
  tps: $<HTMLElement>("stat-tps"),
  lossChart: $<HTMLDivElement>("loss-chart"),
  sampleMeta: $<HTMLSpanElement>("sample-meta"),
  sample: $<HTMLPreElement>("sample-output"),
  prompt: $<HTMLInputElement>("prompt-input"),
  temperature: $<HTMLInputElement>("temperature-input"),
  topK: $<HTMLInputElement>("topk-input"),
  length: $<HTMLInputElement>("length-input"),
  generate: $<HTMLButtonElement>("generate-button"),
  generated: $<HTMLPreElement>("generate-output"),
  flowScale: $<HTMLInputElement>("flow-scale"),
  flowScaleValue: $<HTMLOutputElement>("flow-scale-value"),
  flowTheta: $<HTMLInputElement>("flow-theta"),
  flowSteps: $<HTMLInputElement>("flow-steps"),
  flowHidden: $<HTMLInputElement>("flow-hidden"),
  flowGateBias: $<HTMLInputElement>("flow-gate-bias"),
  flowNonlinearity: $<HTMLSelectElement>("flow-nonlinearity"),
  flowRun: $<HTMLButtonElement>("gradient-flow-run"),
  flowChart: $<HTMLDivElement>("gradient-flow-chart"),
  flowTable: $<HTMLTableSectionElement>("flow-table-body"),
  flowNote: $<HTMLParagraphElement>("flow-note"),
  footBuild: $<HTMLSpanElement>("foot-build"),
};

const lossChart = new LossChart(el.lossChart);
const flowChart = new FlowChart(el.flowChart);
const BUILD_NAMES: Record<string, string> = { relaxed: "relaxed SIMD", simd: "SIMD", scalar: "scalar (no SIMD)" };

// ------------------------------------------------------------------------------------------------ errors ----

function showError(message: string): void {
  hooks.errors.push(message);
  el.errors.hidden = false;
  const item = document.createElement("div");
  item.className = "error";
  const text = document.createElement("span");
  text.textContent = message;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "error-close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => {
    item.remove();
    el.errors.hidden = el.errors.childElementCount === 0;
  });
  item.append(text, close);
  el.errors.append(item);
  while (el.errors.childElementCount > 4) el.errors.firstElementChild!.remove();
}

window.addEventListener("error", (event) => showError(`page error: ${event.message}`));
window.addEventListener("unhandledrejection", (event) => showError(`page error: ${event.reason instanceof Error ? event.reason.message : String(event.reason)}`));

// ------------------------------------------------------------------------------------------------ corpus ----

let customLabel = "your text";
/** Bumped on every change of the corpus; the version the current model was trained on (Train vs Resume label). */
let corpusVersion = 0;
let modelCorpusVersion = -1;
function corpusChanged(): void {
  corpusVersion++;
  updateCorpusInfo();
  syncButtons();
}
const corpusCache = new Map<string, string>();

function builtinText(id: string): string {
  let text = corpusCache.get(id);
  if (text === undefined) {
    text = BUILTIN_CORPORA.find((c) => c.id === id)!.text();
    corpusCache.set(id, text);
  }
  return text;
}

for (const c of [...BUILTIN_CORPORA, CUSTOM_CORPUS]) el.corpusSelect.add(new Option(c.label, c.id));

function updateCorpusInfo(): void {
  const text = el.corpusText.value;
  const distinct = new Set(text).size; // code points, as the vocabulary counts them
  const builtin = BUILTIN_CORPORA.find((c) => c.id === el.corpusSelect.value);
  const lines = builtin?.names ? `${fmt(text.split("\n").filter((l) => l.trim() !== "").length)} names · ` : "";
  el.corpusInfo.textContent = `${lines}${fmt(text.length)} characters · ${distinct} distinct`;
}

function selectCorpus(id: string): void {
  el.corpusSelect.value = id;
  if (id !== CUSTOM_CORPUS.id) el.corpusText.value = builtinText(id);
  corpusChanged();
}

el.corpusSelect.addEventListener("change", () => selectCorpus(el.corpusSelect.value));
el.corpusText.addEventListener("input", () => {
  if (el.corpusSelect.value !== CUSTOM_CORPUS.id) {
    el.corpusSelect.value = CUSTOM_CORPUS.id;
    customLabel = "your text";
  }
  corpusChanged();
});
el.corpusFile.addEventListener("change", async () => {
  const file = el.corpusFile.files?.[0];
  el.corpusFile.value = "";
  if (!file) return;
  try {
    if (file.size > 20 * 1024 * 1024) throw new Error(`${file.name} is ${fmt(file.size / 1048576, 1)} MB; the demo takes texts up to 20 MB`);
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      throw new Error(`${file.name} is not UTF-8 text`);
    }
    if (text.includes("\0")) throw new Error(`${file.name} looks like a binary file, not text`);
    text = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
    if (text.trim() === "") throw new Error(`${file.name} is empty`);
    el.corpusText.value = text;
    el.corpusSelect.value = CUSTOM_CORPUS.id;
    customLabel = file.name;
    corpusChanged();
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
});

function corpusMessage(): CorpusMessage {
  const id = el.corpusSelect.value;
  const builtin = BUILTIN_CORPORA.find((c) => c.id === id);
  const text = el.corpusText.value.replace(/\r\n?/g, "\n");
  return { id, label: builtin ? builtin.label : customLabel, text, names: builtin?.names ?? false };
}

// -------------------------------------------------------------------------------------------- form values ----

function modelSettings(): ModelSettings {
  return {
    cell: el.cell.value as CellName,
    hidden: intField(el.hidden, "Hidden size"),
    layers: intField(el.layers, "Layers"),
    embed: intField(el.embed, "Embedding"),
  };
}

function trainSettings(): TrainSettings {
  return {
    optimizer: el.optimizer.value as TrainSettings["optimizer"],
    lr: floatField(el.lr, "Learning rate", true),
    clip: floatField(el.clip, "Clip norm", false),
    batch: intField(el.batch, "Batch"),
    seqLen: intField(el.seqLen, "Steps per sequence"),
  };
}

const DEFAULT_LR: Record<string, string> = { sgd: "1", adam: "0.005", adamw: "0.005" };
el.optimizer.addEventListener("change", () => {
  // the textbook's SGD rate is 1 (with clipping); Adam's a few thousandths
  el.lr.value = DEFAULT_LR[el.optimizer.value];
});

// ------------------------------------------------------------------------------------------ training worker ----

const trainer = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (message: ToTrainer, transfer: Transferable[] = []) => trainer.postMessage(message, transfer);
let model: ModelInfo | null = null;
let generation = { id: 0, busy: false };
const quant = quantizePanel(send, () => syncButtons());

trainer.onerror = (event) => {
  event.preventDefault();
  showError(`training worker: ${event.message || "failed to start"}`);
  setEngine("error", "worker failed");
};
trainer.onmessageerror = () => showError("training worker: a message could not be read");

function setEngine(kind: "ok" | "wait" | "error", text: string): void {
  el.engine.className = `pill pill-${kind}`;
  el.engine.textContent = text;
}

function syncButtons(): void {
  const ready = hooks.ready, training = hooks.training;
  // while the Quantize panel measures, the worker's time is its own and the model stays as it is
  el.start.disabled = !ready || training || quant.busy;
  el.stop.disabled = !training;
  el.reset.disabled = !ready || training || model === null || quant.busy;
  el.saveModel.disabled = !ready || model === null;
  el.saveCheckpoint.disabled = !ready || model === null || model.corpusLabel === null;
  el.generate.disabled = !ready || model === null || generation.busy || quant.busy;
  quant.sync(ready && !training && model !== null);
  el.start.textContent = training ? "Training…" : model === null ? "Train" : startWouldRebuild() ? "Train new model" : "Resume";
  el.trainingStatus.textContent = training ? "training" : model ? "stopped" : "idle";
  el.trainingStatus.className = `pill ${training ? "pill-live" : ""}`;
}

/** Whether Train would build a new model (the form's model settings differ from the current model's). */
function startWouldRebuild(): boolean {
  if (!model) return true;
  if (model.corpusLabel !== null && corpusVersion !== modelCorpusVersion) return true;
  try {
    const s = modelSettings();
    const m = model.settings;
    return s.cell !== m.cell || s.hidden !== m.hidden || s.layers !== m.layers || s.embed !== m.embed;
  } catch {
    return false;
  }
}

for (const input of [el.cell, el.hidden, el.layers, el.embed]) input.addEventListener("input", syncButtons);

function describeModel(info: ModelInfo): string {
  const s = info.settings;
  const parts = [
    `${s.cell.toUpperCase()}, hidden ${s.hidden}, ${s.layers} layer${s.layers > 1 ? "s" : ""}, ${s.embed > 0 ? `embedding ${s.embed}` : "one-hot input"}`,
    `${info.vocabSize} characters`, `${fmt(info.parameters)} parameters`,
  ];
  const from = info.origin === "new" ? "" : ` Loaded from ${info.fileName ?? "a file"} (${info.origin}).`;
  return `Model: ${parts.join(" · ")}.${from}${info.corpusLabel ? ` Corpus: ${info.corpusLabel}.` : " Train continues it on the corpus above."}`;
}

function resetTrainingView(): void {
  hooks.history.length = 0;
  hooks.lastSample = "";
  lossChart.reset();
  for (const e of [el.step, el.epoch, el.loss, el.ppl, el.val, el.tps]) e.textContent = "–";
  el.sample.textContent = "Samples appear here while the model trains.";
  el.sampleMeta.textContent = "";
}

trainer.onmessage = (event: MessageEvent<FromTrainer>) => {
  const m = event.data;
  switch (m.type) {
    case "ready":
      hooks.ready = true;
      hooks.build = m.build;
      setEngine("ok", `wasm: ${BUILD_NAMES[m.build] ?? m.build}`);
      el.footBuild.textContent = `wasm-rnn (${BUILD_NAMES[m.build] ?? m.build} build)`;
      syncButtons();
      break;
    case "model": {
      const previous = model;
      model = m.info;
      if (m.info?.id !== previous?.id) quant.clear();
      if (m.info && m.info.id !== previous?.id) {
        resetTrainingView();
        if (m.info.step > 0) el.step.textContent = fmt(m.info.step);
        if (m.info.origin !== "new") applyLoadedSettings(m.info);
      }
      if (!m.info) resetTrainingView();
      el.modelStatus.textContent = m.info ? describeModel(m.info) : "No model yet: Train builds one from the “Data and model” settings.";
      if (m.note) el.modelStatus.textContent += ` (${m.note}.)`;
      syncButtons();
      break;
    }
    case "status":
      hooks.training = m.training;
      syncButtons();
      break;
    case "progress": {
      for (const p of m.points) hooks.history.push(p);
      lossChart.add(m.points);
      const last = m.points[m.points.length - 1];
      const meanLoss = m.points.reduce((sum, p) => sum + p.loss, 0) / m.points.length;
      el.step.textContent = fmt(last.step);
      el.epoch.textContent = `${m.epoch} (${Math.round((100 * m.batch) / Math.max(1, m.batches))}%)`;
      el.loss.textContent = meanLoss.toFixed(3);
      el.ppl.textContent = Math.exp(meanLoss).toFixed(2);
      el.tps.textContent = String(Math.round(last.tokensPerSecond));
      break;
    }
    case "sample":
      hooks.lastSample = m.text;
      el.sample.textContent = m.text || "(empty)";
      el.sampleMeta.textContent = `after step ${fmt(m.step)} · temperature 0.8, top-k 10${m.invented ? ` · ${m.invented.invented} of ${m.invented.total} names not in the list` : ""}`;
      if (m.validationPerplexity !== null) el.val.textContent = m.validationPerplexity.toFixed(2);
      break;
    case "generated":
      if (m.id !== generation.id) break;
      el.generated.append(document.createTextNode(m.text));
      if (m.done) {
        generation.busy = false;
        syncButtons();
      }
      break;
    case "quantized":
      quant.show(m);
      break;
    case "saved":
      download(m.bytes, m.fileName);
      break;
    case "error":
      showError(m.message);
      quant.failed();
      if (generation.busy) {
        generation.busy = false;
        syncButtons();
      }
      break;
  }
};

function applyLoadedSettings(info: ModelInfo): void {
  el.cell.value = info.settings.cell;
  el.hidden.value = String(info.settings.hidden);
  el.layers.value = String(info.settings.layers);
  el.embed.value = String(info.settings.embed);
  const t = info.train;
  if (!t) return;
  if (t.optimizer) el.optimizer.value = t.optimizer;
  if (t.lr !== undefined) el.lr.value = String(t.lr);
  if (t.clip !== undefined) el.clip.value = String(t.clip);
  if (t.batch !== undefined) el.batch.value = String(t.batch);
  if (t.seqLen !== undefined) el.seqLen.value = String(t.seqLen);
}

el.start.addEventListener("click", () => {
  try {
    const corpus = corpusMessage();
    if (corpus.text.trim() === "") throw new Error("the corpus is empty: pick a built-in corpus, paste some text or open a file");
    send({ type: "start", corpus, model: modelSettings(), train: trainSettings() });
    modelCorpusVersion = corpusVersion;
    el.start.disabled = true;
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
});
el.stop.addEventListener("click", () => send({ type: "stop" }));
el.reset.addEventListener("click", () => send({ type: "reset" }));
el.saveModel.addEventListener("click", () => send({ type: "save", kind: "model" }));
el.saveCheckpoint.addEventListener("click", () => send({ type: "save", kind: "checkpoint" }));
el.loadModel.addEventListener("change", async () => {
  const file = el.loadModel.files?.[0];
  el.loadModel.value = "";
  if (!file) return;
  const bytes = await file.arrayBuffer();
  send({ type: "load", name: file.name, bytes }, [bytes]);
});

function download(bytes: ArrayBuffer, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

// ---------------------------------------------------------------------------------------------- generation ----

let generationSeed = 1;
function requestGeneration(): void {
  try {
    const temperature = floatField(el.temperature, "Temperature", true);
    const topK = intField(el.topK, "Top-k");
    const length = intField(el.length, "Length");
    generation = { id: generation.id + 1, busy: true };
    const prompt = el.prompt.value;
    el.generated.textContent = "";
    const shown = document.createElement("span");
    shown.className = "prompt-echo";
    shown.textContent = prompt;
    el.generated.append(shown);
    send({ type: "generate", id: generation.id, prompt, length, temperature, topK, seed: generationSeed++ });
    syncButtons();
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
}
el.generate.addEventListener("click", requestGeneration);
el.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !el.generate.disabled) requestGeneration();
});

// ------------------------------------------------------------------------------------------- gradient flow ----

const flowWorker = new Worker(new URL("./gradient-flow-worker.ts", import.meta.url), { type: "module" });
let flowRequest = 0;
let flowTimer: ReturnType<typeof setTimeout> | undefined;

flowWorker.onerror = (event) => {
  event.preventDefault();
  showError(`gradient-flow worker: ${event.message || "failed to start"}`);
};

const flowScale = () => 2 ** Number(el.flowScale.value);
function showScale(): void {
  el.flowScaleValue.textContent = `×${flowScale().toFixed(2)}`;
}

function runGradientFlow(): void {
  clearTimeout(flowTimer);
  try {
    const request: GradientFlowRequest = {
      type: "run",
      id: ++flowRequest,
      seqLen: intField(el.flowSteps, "Steps T"),
      hidden: intField(el.flowHidden, "Hidden size (gradient flow)"),
      scale: flowScale(),
      gateBias: numberField(el.flowGateBias, "Gate bias"),
      nonlinearity: el.flowNonlinearity.value === "relu" ? "relu" : "tanh",
      theta: floatField(el.flowTheta, "Clip θ", true),
      seed: 7,
    };
    if (hooks.gradientFlow) hooks.gradientFlow.rendered = false;
    el.flowRun.disabled = true;
    flowWorker.postMessage(request);
  } catch (e) {
    showError(e instanceof Error ? e.message : String(e));
  }
}

function scheduleGradientFlow(): void {
  clearTimeout(flowTimer);
  flowTimer = setTimeout(runGradientFlow, 120);
}

const sci = (v: number) => (v === 0 ? "0" : !Number.isFinite(v) ? String(v) : v >= 0.01 && v < 1000 ? v.toPrecision(3) : v.toExponential(2));

flowWorker.onmessage = (event: MessageEvent<FromGradientFlow>) => {
  const m = event.data;
  if (m.type === "ready") return;
  if (m.type === "error") {
    showError(`gradient flow: ${m.message}`);
    el.flowRun.disabled = false;
    return;
  }
  if (m.id !== flowRequest) return; // a newer request is on its way
  el.flowRun.disabled = false;
  flowChart.show(m.cells);
  const cells = {} as Record<CellName, { before: number[]; after: number[] }>;
  for (const c of ["rnn", "gru", "lstm"] as const) cells[c] = { before: m.cells[c].before, after: m.cells[c].after };
  hooks.gradientFlow = { rendered: false, cells };
  requestAnimationFrame(() => {
    if (hooks.gradientFlow?.cells === cells) hooks.gradientFlow.rendered = true;
  });
  renderFlowTable(m.cells);
  const rho = m.rnnSpectralRadius;
  el.flowNote.textContent = `RNN (${m.request.nonlinearity}): spectral radius ρ(W_hh) ≈ ${rho.toFixed(2)}, so a linear RNN would scale the gradient by about ${rho.toFixed(2)}^k after k steps (${sci(rho ** m.request.seqLen)} at k = ${m.request.seqLen}). `
    + `Hidden size ${m.request.hidden}, ${m.request.seqLen} steps, inputs x_t ~ N(0, 1), PyTorch's initialisation with W_hh × ${m.request.scale.toFixed(2)}; computed in ${m.ms.toFixed(0)} ms in a worker.`;
};

function renderFlowTable(cells: Record<CellName, CellFlow>): void {
  el.flowTable.textContent = "";
  for (const c of ["rnn", "gru", "lstm"] as const) {
    const f = cells[c];
    const row = el.flowTable.insertRow();
    const name = row.insertCell();
    const swatch = document.createElement("i");
    swatch.className = "swatch";
    swatch.style.background = CELL_COLORS[c];
    name.append(swatch, c.toUpperCase());
    row.insertCell().textContent = sci(f.gradNorm);
    row.insertCell().textContent = sci(f.clippedNorm);
    const factor = f.gradNorm > 0 ? f.clippedNorm / f.gradNorm : 1;
    row.insertCell().textContent = factor < 1 ? `×${sci(factor)}` : "×1 (‖g‖ ≤ θ)";
    row.insertCell().textContent = sci(f.before[f.before.length - 1]);
  }
}

el.flowRun.addEventListener("click", runGradientFlow);
el.flowScale.addEventListener("input", () => {
  showScale();
  scheduleGradientFlow();
});
for (const input of [el.flowTheta, el.flowSteps, el.flowHidden, el.flowGateBias]) input.addEventListener("change", scheduleGradientFlow);
el.flowNonlinearity.addEventListener("change", scheduleGradientFlow);
for (const button of document.querySelectorAll<HTMLButtonElement>("[data-preset]")) {
  button.addEventListener("click", () => {
    const preset = button.dataset.preset;
    el.flowScale.value = preset === "explode" ? "2" : "0";
    el.flowGateBias.value = preset === "gates" ? "4" : "0";
    showScale();
    runGradientFlow();
  });
}

// ------------------------------------------------------------------------------------------------- start ----

selectCorpus("names");
showScale();
syncButtons();
runGradientFlow();
const classify = classifyTab(showError), forecast = forecastTab(showError);
setupTabs({ lm: () => undefined, classify: () => classify.activate(), forecast: () => forecast.activate() });
