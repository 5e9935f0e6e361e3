// The training worker: owns the language model, trains it in slices of ~100 ms (so that "stop", "generate" and
// "save" are answered between slices), reports every step's loss, draws samples, and encodes / decodes model
// and checkpoint files. All numeric work is the library's (wasm); this file only schedules it.
//
// Training is the library's Trainer, one update per epochSteps().next(), so an epoch can be interrupted and
// settings changed between steps (Trainer.configure). Checkpoints are the Trainer's own, so the command line
// reads them too.

import {
  init, LanguageModel, Vocabulary, Trainer, evaluatePerplexity, generate, generateText, encodeModel, decodeModel,
  encodeCheckpoint, decodeCheckpoint, type EpochResult, type StepInfo, type TrainerState, type Checkpoint, type TextModel,
} from "wasm-rnn";
import type { CorpusMessage, FromTrainer, ModelInfo, ModelSettings, ProgressPoint, ToTrainer, TrainSettings } from "./protocol";
import { errorText, serveMessages, yieldToEvents } from "./worker-util";
import { TIMED_RUNS, TIMED_TOKENS, compareQuantized } from "./quantize-compare";

const SLICE_MS = 100;
const SAMPLE_EVERY_MS = 2000;
const SAMPLE_LENGTH = 160;
const SAMPLE_TEMPERATURE = 0.8;
const SAMPLE_TOP_K = 10;
const VALIDATION_SPLIT = 0.1;
const VALIDATION_MAX_TOKENS = 12_000;

const post = (message: FromTrainer, transfer: Transferable[] = []) => self.postMessage(message, { transfer });

interface BoundCorpus {
  key: string;
  id: string;
  label: string;
  ids: Int32Array;
  valIds: Int32Array | null;
  names: Set<string> | null;
  prefix: string;
  unknown: number;
}

interface Session {
  id: number;
  lm: LanguageModel;
  vocab: Vocabulary;
  settings: ModelSettings;
  origin: ModelInfo["origin"];
  fileName?: string;
  loadedTrain?: Partial<TrainSettings>;
  corpus: BoundCorpus | null;
  train: TrainSettings | null;
  trainer: Trainer | null;
  /** The epoch in progress, taken one step at a time. */
  epochSteps: Generator<StepInfo, EpochResult, void> | null;
  /** A checkpoint's trainer state (optimizer, generators, step), applied when training starts. */
  pending: TrainerState | null;
  /** The last step's position, for the progress line. */
  last: StepInfo | null;
}

let session: Session | null = null;
let sessions = 0;
let training = false;
/** A start() between its checks and the loop's start (it awaits the previous loop). */
let starting = false;
let loopDone: Promise<void> = Promise.resolve();
/** The Quantize panel's measurements in progress: start, reset and load wait for them (they read the model). */
let comparing: Promise<void> = Promise.resolve();
let quantizing = false;

const ready = init().then(({ build }) => post({ type: "ready", build }));

serveMessages(ready, async (message: ToTrainer) => {
  switch (message.type) {
    case "start":
      return await start(message.corpus, message.model, message.train);
    case "stop":
      training = false;
      return;
    case "reset":
      await halt();
      dropSession();
      post({ type: "model", info: null });
      return;
    case "generate":
      return runGeneration(message);
    case "save":
      return await save(message.kind);
    case "load":
      return await load(message.name, message.bytes);
    case "quantize":
      return await quantizeAndCompare(message.id);
  }
}, post);

// ------------------------------------------------------------------------------------------- sessions ----

function sameSettings(a: ModelSettings, b: ModelSettings): boolean {
  return a.cell === b.cell && a.hidden === b.hidden && a.layers === b.layers && a.embed === b.embed;
}

function newSession(lm: LanguageModel, vocab: Vocabulary, settings: ModelSettings, origin: ModelInfo["origin"]): Session {
  return {
    id: ++sessions, lm, vocab, settings, origin, corpus: null, train: null, trainer: null, epochSteps: null, pending: null, last: null,
  };
}

function dropSession(): void {
  if (!session) return;
  session.trainer?.dispose();
  session.lm.dispose();
  session = null;
}

/** Updates done, by the trainer or by the run a loaded checkpoint came from. */
function stepOf(s: Session): number {
  return s.trainer?.step ?? s.pending?.step ?? 0;
}

function epochOf(s: Session): number {
  return s.trainer?.epoch ?? s.pending?.epoch ?? 0;
}

function info(s: Session): ModelInfo {
  return {
    id: s.id, settings: s.settings, vocabSize: s.vocab.size, parameters: s.lm.parameterCount, level: s.vocab.level, step: stepOf(s), epoch: epochOf(s),
    origin: s.origin, ...(s.fileName ? { fileName: s.fileName } : {}), ...(s.loadedTrain ? { train: s.loadedTrain } : {}),
    corpusLabel: s.corpus?.label ?? null,
  };
}

/** FNV-1a of the text: tells "the same corpus" from a changed one. */
function checksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

function bindCorpus(s: Session, corpus: CorpusMessage, key: string, train: TrainSettings): BoundCorpus {
  const text = corpus.text;
  const need = (train.batch + 1) * train.seqLen;
  const all = s.vocab.encode(text);
  if (all.length < need) {
    throw new Error(`the corpus is too short: it has ${all.length.toLocaleString("en-US")} tokens, and one batch of ${train.batch} × ${train.seqLen} needs at least ${need.toLocaleString("en-US")}; use a longer text or a smaller batch / sequence length`);
  }
  // hold out the last tenth (cut at a line start) when the rest is still long enough
  let ids = all, valIds: Int32Array | null = null;
  let cut = Math.floor(text.length * (1 - VALIDATION_SPLIT));
  const newline = text.indexOf("\n", cut);
  if (newline !== -1 && newline - cut < 1000) cut = newline + 1;
  const trainIds = s.vocab.encode(text.slice(0, cut));
  if (trainIds.length >= need && text.length - cut > 1) {
    ids = trainIds;
    valIds = s.vocab.encode(text.slice(cut)).slice(0, VALIDATION_MAX_TOKENS);
  }
  let unknown = 0;
  for (const id of all) if (id === s.vocab.unkId) unknown++;
  const names = corpus.names ? new Set(text.split("\n").map((n) => n.trim()).filter((n) => n !== "")) : null;
  const firstWord = /^\S{1,8}/u.exec(text.trimStart());
  const prefix = corpus.names ? "\n" : firstWord ? firstWord[0] : text.slice(0, 1);
  return { key, id: corpus.id, label: corpus.label, ids, valIds: valIds && valIds.length >= 2 ? valIds : null, names, prefix, unknown };
}

// ------------------------------------------------------------------------------------------- training ----

async function start(corpus: CorpusMessage, settings: ModelSettings, train: TrainSettings): Promise<void> {
  if (training || starting) return;
  starting = true;
  try {
    await loopDone;
    await comparing;
    begin(corpus, settings, train);
  } finally {
    starting = false;
  }
}

function begin(corpus: CorpusMessage, settings: ModelSettings, train: TrainSettings): void {
  const key = `${corpus.id}:${corpus.text.length}:${checksum(corpus.text)}`;
  const notes: string[] = [];
  if (session && (!sameSettings(session.settings, settings) || (session.corpus !== null && session.corpus.key !== key))) {
    notes.push(sameSettings(session.settings, settings) ? "the corpus changed, so this is a new model" : "the model settings changed, so this is a new model");
    dropSession();
  }
  let created = false;
  if (!session) {
    const vocab = Vocabulary.build(corpus.text, { level: "char" });
    const lm = new LanguageModel({
      vocabSize: vocab.size, cell: settings.cell, hiddenSize: settings.hidden, numLayers: settings.layers,
      ...(settings.embed > 0 ? { embedSize: settings.embed } : {}), seed: 0,
    });
    session = newSession(lm, vocab, settings, "new");
    created = true;
  }
  const s = session;
  try {
    if (!s.corpus) {
      s.corpus = bindCorpus(s, corpus, key, train);
      if (s.corpus.unknown > 0) notes.push(`${s.corpus.unknown.toLocaleString("en-US")} characters of the corpus are not in the model's vocabulary and read as <unk>`);
    } else if (s.corpus.ids.length < (train.batch + 1) * train.seqLen) {
      throw new Error(`the corpus has ${s.corpus.ids.length.toLocaleString("en-US")} training tokens; a batch of ${train.batch} × ${train.seqLen} needs ${((train.batch + 1) * train.seqLen).toLocaleString("en-US")}; use a smaller batch or sequence length`);
    }
    applyTrainSettings(s, train, notes);
  } catch (e) {
    if (created) dropSession();
    throw e;
  }
  if (created || notes.length > 0) post({ type: "model", info: info(s), ...(notes.length ? { note: notes.join("; ") } : {}) });
  training = true;
  post({ type: "status", training: true, note: created ? "training a new model" : `resuming at step ${stepOf(s)}` });
  loopDone = loop(s);
}

function applyTrainSettings(s: Session, t: TrainSettings, notes: string[]): void {
  const previous = s.train;
  const optimizer = { name: t.optimizer, lr: t.lr };
  const clip = t.clip > 0 ? t.clip : null;
  if (s.trainer && !s.trainer.stopped && previous && previous.batch === t.batch && previous.seqLen === t.seqLen) {
    if (s.trainer.optimizer.options.name !== t.optimizer) notes.push(`the optimizer changed to ${t.optimizer}; its state starts afresh`);
    s.trainer.configure({ optimizer, clip });
  } else {
    // a new Trainer (first start, a new batch shape, or after a NaN stop), carrying the old one's state
    const carried = s.trainer?.saveState() ?? s.pending;
    const carriedOptimizer = s.trainer?.optimizer.options.name ?? null;
    s.trainer?.dispose();
    s.epochSteps = null;
    s.trainer = new Trainer(s.lm, s.corpus!.ids, { batchSize: t.batch, seqLen: t.seqLen, optimizer, ...(clip ? { clip } : {}) });
    if (carried) {
      try {
        s.trainer.restoreState({ ...carried, lr: t.lr });
      } catch {
        // the carried moments do not fit this optimizer: keep the step count and generators, not the moments
        notes.push(carriedOptimizer && carriedOptimizer !== t.optimizer
          ? `the optimizer changed to ${t.optimizer}; its state starts afresh`
          : `the checkpoint's optimizer state does not fit ${t.optimizer}; it starts afresh`);
        s.trainer.restoreState({ ...carried, lr: t.lr, optimizer: s.trainer.saveState().optimizer });
        s.trainer.optimizer.stepCount = 0;
      }
    }
  }
  s.pending = null;
  s.train = { ...t };
}

/** One update of the Trainer's current epoch (a new epoch after the last). Throws when training stopped on a NaN. */
function trainStep(s: Session): StepInfo {
  for (;;) {
    s.epochSteps ??= s.trainer!.epochSteps();
    const r = s.epochSteps.next();
    if (!r.done) return (s.last = r.value);
    s.epochSteps = null;
    if (r.value.stopped) throw new Error(`training stopped: ${r.value.stopped}. Lower the learning rate or turn clipping on.`);
  }
}

async function loop(s: Session): Promise<void> {
  let lastSample = performance.now() - SAMPLE_EVERY_MS / 2; // the first sample after ~1 s
  let note: string | undefined;
  try {
    while (training) {
      const started = performance.now();
      const points: ProgressPoint[] = [];
      do {
        const { step, loss } = trainStep(s);
        points.push({ step, loss, perplexity: Math.exp(loss), tokensPerSecond: 0 });
      } while (training && performance.now() - started < SLICE_MS);
      const seconds = (performance.now() - started) / 1000;
      const tps = (points.length * s.train!.batch * s.train!.seqLen) / seconds;
      for (const p of points) p.tokensPerSecond = tps;
      const last = s.last!;
      post({ type: "progress", points, epoch: last.epoch, batch: last.batch, batches: last.batches, lr: last.lr, gradNorm: last.gradNorm });
      if (performance.now() - lastSample >= SAMPLE_EVERY_MS) {
        sample(s);
        lastSample = performance.now();
      }
      await yieldToEvents();
    }
  } catch (e) {
    note = "stopped by an error";
    post({ type: "error", message: errorText(e) });
  } finally {
    training = false;
  }
  if (session === s && !s.lm.isDisposed) sample(s);
  post({ type: "status", training: false, note: note ?? `stopped at step ${stepOf(s)}` });
  if (session === s) post({ type: "model", info: info(s) });
}

/** Stops the loop and waits until it has finished its slice (and the Quantize panel's measurements). */
async function halt(): Promise<void> {
  training = false;
  await loopDone;
  await comparing;
}

function sample(s: Session): void {
  const c = s.corpus!;
  const text = generateText(s.lm, s.vocab, c.prefix, SAMPLE_LENGTH, { temperature: SAMPLE_TEMPERATURE, topK: Math.min(SAMPLE_TOP_K, s.vocab.size), seed: stepOf(s) });
  const validationPerplexity = c.valIds ? evaluatePerplexity(s.lm, c.valIds, { batchSize: 16, seqLen: 64 }).perplexity : null;
  post({ type: "sample", ...shownSample(c, c.prefix, text), step: stepOf(s), validationPerplexity });
}

/** Generated text as the page shows it: a names corpus as a list of names (and how many are invented). */
function shownSample(c: BoundCorpus | null, prompt: string, text: string): { text: string; invented?: { invented: number; total: number } } {
  if (!c?.names) return { text: (prompt + text).trim() };
  const parts = (prompt + text).split("\n");
  if (parts.length > 1 && !text.endsWith("\n")) parts.pop(); // the last name was cut off
  const names = parts.map((p) => p.trim()).filter((p) => p !== "");
  const invented = names.filter((n) => !c.names!.has(n)).length;
  return { text: names.join(", "), invented: { invented, total: names.length } };
}

// ------------------------------------------------------------------------------------------ generation ----

/** What generation starts from without a prompt: the corpus's usual start, else a new line. */
function defaultPrompt(s: Session): string {
  return s.corpus?.prefix ?? (s.vocab.tokens.includes("\n") ? "\n" : s.vocab.tokens[s.vocab.size - 1]);
}

function runGeneration(m: Extract<ToTrainer, { type: "generate" }>): void {
  const s = session;
  if (!s) throw new Error("there is no model yet: train one or load a model file first");
  const prompt = m.prompt === "" ? defaultPrompt(s) : m.prompt;
  const options = { temperature: m.temperature, seed: m.seed, ...(m.topK > 0 ? { topK: Math.min(m.topK, s.vocab.size) } : {}) };
  let chunk = "", n = 0;
  for (const piece of generate(s.lm, s.vocab, prompt, m.length, options)) {
    chunk += piece;
    if (++n % 32 === 0) {
      post({ type: "generated", id: m.id, text: chunk, done: false });
      chunk = "";
    }
  }
  post({ type: "generated", id: m.id, text: chunk, done: true });
}

// ------------------------------------------------------------------------------------------- quantize ----

/** The Quantize panel: f32, int8 and f16 side by side, a "quantized" message per row (see quantize-compare.ts). */
async function quantizeAndCompare(id: number): Promise<void> {
  const s = session;
  if (!s) throw new Error("there is no model to quantize yet: train one or load a model file first");
  if (training || starting) throw new Error("stop training first: the panel compares the model as it is at one step");
  if (quantizing) throw new Error("the model is being quantized already; wait for the table");
  // a quantized file's model would fill the f32 row
  if (s.lm.weightType !== "f32") throw new Error(`the model is already ${s.lm.weightType} (from a quantized file); the panel compares an f32 model with its copies`);
  const prompt = defaultPrompt(s), step = stepOf(s);
  // the table shows as many characters as a training sample (the timed generation is longer)
  const shown = (text: string) => shownSample(s.corpus, prompt, text.slice(0, SAMPLE_LENGTH)).text;
  let rows = 0;
  quantizing = true;
  try {
    const run = compareQuantized({ lm: s.lm, vocab: s.vocab, prompt, valIds: s.corpus?.valIds ?? null, shown }, (row) => {
      post({ type: "quantized", id, step, tokens: TIMED_TOKENS, runs: TIMED_RUNS, row, done: ++rows === 3 });
    });
    comparing = run.then(() => undefined, () => undefined); // what waits for it goes on whatever the outcome
    await run; // a failure reaches the page as an error message
  } finally {
    quantizing = false;
  }
}

// ------------------------------------------------------------------------------------------ save / load ----

function baseName(s: Session): string {
  const { cell, hidden, layers } = s.settings;
  const corpus = s.corpus?.id ?? "model";
  return `${corpus}-${cell}${hidden}${layers > 1 ? `x${layers}` : ""}-step${stepOf(s)}`;
}

async function save(kind: "model" | "checkpoint"): Promise<void> {
  const s = session;
  if (!s) throw new Error("there is no model to save yet: train one first");
  let bytes: Uint8Array;
  if (kind === "model") {
    bytes = await encodeModel(s.lm, s.vocab);
  } else {
    if (!s.corpus || !s.train || !s.trainer) throw new Error("a checkpoint holds the optimizer's state: train at least one step first (or save the model)");
    const t = s.train;
    bytes = await encodeCheckpoint(s.lm, s.vocab, s.trainer, {
      cell: s.settings.cell, hidden: s.settings.hidden, layers: s.settings.layers, embed: s.settings.embed || null,
      optimizer: t.optimizer, lr: t.lr, clip: t.clip, batch: t.batch, steps: t.seqLen, corpus: s.corpus.label, level: "char", source: "wasm-rnn demo",
    });
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  post({ type: "saved", kind, fileName: `${baseName(s)}${kind === "model" ? ".wrnn" : ".wrnn.ckpt"}`, bytes: buffer }, [buffer]);
}

async function load(name: string, buffer: ArrayBuffer): Promise<void> {
  const bytes = new Uint8Array(buffer);
  let decoded: TextModel, checkpoint: Checkpoint | null = null;
  try {
    checkpoint = await decodeCheckpoint(bytes, name);
    decoded = checkpoint;
  } catch {
    decoded = await decodeModel(bytes, name); // a model file (or the model part of anything else it can read)
  }
  if (!decoded.vocab) {
    decoded.lm.dispose();
    throw new Error(`${name} holds weights but no vocabulary (a bare PyTorch export), so the demo cannot map text to tokens`);
  }
  if (decoded.vocab.level !== "char") {
    decoded.lm.dispose();
    throw new Error(`${name} is a word-level model; this demo trains and samples character-level models`);
  }
  await halt();
  dropSession();
  const c = decoded.lm.config;
  const settings: ModelSettings = { cell: c.cell, hidden: c.hiddenSize, layers: c.numLayers, embed: c.embedSize ?? 0 };
  const s = (session = newSession(decoded.lm, decoded.vocab, settings, checkpoint ? "checkpoint" : "model file"));
  s.fileName = name;
  if (checkpoint) {
    s.pending = checkpoint.trainer;
    const st = checkpoint.settings;
    const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
    const train: Partial<TrainSettings> = {};
    if (st.optimizer === "sgd" || st.optimizer === "adam" || st.optimizer === "adamw") train.optimizer = st.optimizer;
    if (num(st.lr) !== undefined) train.lr = num(st.lr);
    if (num(st.clip) !== undefined) train.clip = num(st.clip);
    if (num(st.batch) !== undefined) train.batch = num(st.batch);
    if (num(st.steps) !== undefined) train.seqLen = num(st.steps);
    s.loadedTrain = train;
  }
  post({ type: "model", info: info(s) });
}
