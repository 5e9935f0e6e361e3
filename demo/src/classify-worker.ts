// The Classify tab's worker: builds the labelled set from the two first-name lists (a name's label is the list
// it is in; names in both lists are left out), trains a character-level classifier (Embedding → GRU or LSTM →
// Pool(last) → Linear) with the library's TaskTrainer one update per epochSteps().next(), in slices of ~60 ms,
// evaluates the held-out fifth of the names (a seeded split) after every epoch, and classifies whatever the
// page sends between two slices. All numeric work is the library's (wasm); this file only schedules it.

import {
  init, Sequential, TaskModel, TaskTrainer, splitDataset, textClassificationDataset, type ClassificationMetrics, type SequenceDataset, type TaskEpochResult, type TaskStepInfo,
} from "wasm-rnn/tasks";
import type {
  ClassifierEvaluation, ClassifierInfo, ClassifierSettings, ClassifierStep, ClassifierTrainSettings, FromClassifier, NameLists, ToClassifier,
} from "./classify-protocol";
import { errorText, yieldToEvents } from "./task-worker-util";

const SLICE_MS = 60;
const VALIDATION = 0.2;
const SEED = 1;
/** Longer texts keep their start (names are at most 15 characters). */
const MAX_LENGTH = 32;
const LABELS = ["female", "male"];

const post = (message: FromClassifier) => self.postMessage(message);

interface Session {
  id: number;
  task: TaskModel;
  trainer: TaskTrainer;
  settings: ClassifierSettings;
  train: ClassifierTrainSettings;
  counts: number[];
  dropped: number;
  /** Lower-cased name → the part of the set it is in. */
  part: Map<string, "train" | "validation">;
  /** The epoch in progress, one update per next(). */
  steps: Generator<TaskStepInfo, TaskEpochResult, void> | null;
  last: TaskStepInfo | null;
}

let session: Session | null = null;
let sessions = 0;
let training = false;
let starting = false;
let loopDone: Promise<void> = Promise.resolve();

const ready = init().then(({ build }) => post({ type: "ready", build }));

self.onmessage = (event: MessageEvent<ToClassifier>) => {
  void handle(event.data);
};

async function handle(message: ToClassifier): Promise<void> {
  try {
    await ready;
    switch (message.type) {
      case "start":
        return await start(message.names, message.model, message.train);
      case "stop":
        training = false;
        return;
      case "reset":
        training = false;
        await loopDone;
        dropSession();
        post({ type: "model", info: null });
        return;
      case "classify":
        return classify(message.id, message.text);
    }
  } catch (e) {
    post({ type: "error", message: errorText(e) });
  }
}

// ---------------------------------------------------------------------------------------------- the data ----

/** { text, label } records: each lower-cased name once, labelled by its list; names in both lists left out. */
function records(names: NameLists): { records: { text: string; label: string }[]; counts: number[]; dropped: number } {
  const clean = (list: string[]) => new Set(list.map((n) => n.trim().toLowerCase()).filter((n) => n !== ""));
  const female = clean(names.female), male = clean(names.male);
  const out: { text: string; label: string }[] = [];
  let dropped = 0;
  for (const n of female) if (male.has(n)) dropped++;
  else out.push({ text: n, label: "female" });
  for (const n of male) if (!female.has(n)) out.push({ text: n, label: "male" });
  return { records: out, counts: LABELS.map((l) => out.filter((r) => r.label === l).length), dropped };
}

// -------------------------------------------------------------------------------------------- sessions ----

function sameSettings(a: ClassifierSettings, b: ClassifierSettings): boolean {
  return a.cell === b.cell && a.hidden === b.hidden && a.embed === b.embed;
}

function newSession(names: NameLists, settings: ClassifierSettings, train: ClassifierTrainSettings): Session {
  const data = records(names);
  const { dataset, vocab, labels } = textClassificationDataset(data.records, { level: "char", labels: LABELS, maxLength: MAX_LENGTH });
  const model = Sequential.fromConfig([
    { name: "embedding", type: "Embedding", numEmbeddings: vocab.size, embeddingDim: settings.embed },
    { name: "rnn", type: settings.cell === "lstm" ? "LSTM" : "GRU", inputSize: settings.embed, hiddenSize: settings.hidden },
    { name: "pool", type: "Pool", mode: "last" },
    { name: "fc", type: "Linear", inFeatures: settings.hidden, outFeatures: labels.length },
  ], { seed: SEED });
  const task = new TaskModel(model, { task: "classify", labels, vocab, maxLength: MAX_LENGTH });
  let trainer: TaskTrainer, split: ReturnType<typeof splitDataset>;
  try {
    split = splitDataset(dataset, { validation: VALIDATION, seed: SEED });
    trainer = makeTrainer(task, split.train, train, split.validation);
  } catch (e) {
    task.dispose();
    throw e;
  }
  // which part of the set each name is in, for the page's "a training name" / "held out"
  const part = new Map<string, "train" | "validation">();
  for (const i of split.indices.train) part.set(data.records[i].text, "train");
  for (const i of split.indices.validation) part.set(data.records[i].text, "validation");
  return { id: ++sessions, task, trainer, settings, train: { ...train }, counts: data.counts, dropped: data.dropped, part, steps: null, last: null };
}

/** Balanced class weights: there are more female than male names, and macro-F1 counts both classes alike. */
function makeTrainer(task: TaskModel, dataset: SequenceDataset, train: ClassifierTrainSettings, validation: SequenceDataset): TaskTrainer {
  return new TaskTrainer(task.model, dataset, {
    batchSize: train.batch, optimizer: { name: "adam", lr: train.lr }, clip: 1, validation, seed: SEED, classWeights: "balanced",
  });
}

function dropSession(): void {
  if (!session) return;
  session.trainer.dispose();
  session.task.dispose();
  session = null;
}

function info(s: Session): ClassifierInfo {
  return {
    id: s.id, settings: s.settings, labels: [...s.task.labels!], vocabSize: s.task.vocab!.size, parameters: s.task.model.parameterCount,
    counts: s.counts, dropped: s.dropped, train: s.trainer.train.examples.length, validation: s.trainer.validation!.examples.length,
    step: s.trainer.step, epoch: s.trainer.epoch,
  };
}

// -------------------------------------------------------------------------------------------- training ----

async function start(names: NameLists, settings: ClassifierSettings, train: ClassifierTrainSettings): Promise<void> {
  if (training || starting) return;
  starting = true;
  try {
    await loopDone;
    const notes: string[] = [];
    if (session && !sameSettings(session.settings, settings)) {
      notes.push("the model settings changed, so this is a new model");
      dropSession();
    }
    let created = false;
    if (!session) {
      session = newSession(names, settings, train);
      created = true;
    } else {
      applyTrainSettings(session, train, notes);
    }
    if (created || notes.length > 0) post({ type: "model", info: info(session), ...(notes.length ? { note: notes.join("; ") } : {}) });
    training = true;
    post({ type: "status", training: true, note: created ? "training a new model" : `resuming at step ${session.trainer.step}` });
    loopDone = loop(session);
  } finally {
    starting = false;
  }
}

/**
 * A new learning rate keeps Adam's state; a new batch size, or a run that stopped on a divergence (the weights
 * are the last good ones), needs a new trainer, which carries the old one's state.
 */
function applyTrainSettings(s: Session, t: ClassifierTrainSettings, notes: string[]): void {
  if (t.batch !== s.train.batch || s.trainer.stopped) {
    const state = s.trainer.saveState();
    // the same split, and so the same balanced weights
    const trainer = makeTrainer(s.task, s.trainer.train, t, s.trainer.validation!);
    trainer.restoreState({ ...state, lr: t.lr });
    s.trainer.dispose();
    s.trainer = trainer;
    if (s.steps && t.batch !== s.train.batch) notes.push(`the batch size changed to ${t.batch}: the unfinished epoch starts over`);
    s.steps = null;
  } else if (t.lr !== s.train.lr) {
    s.trainer.configure({ optimizer: { name: "adam", lr: t.lr } });
  }
  s.train = { ...t };
}

async function loop(s: Session): Promise<void> {
  let note: string | undefined;
  let epochs = 0;
  try {
    while (training) {
      const started = performance.now();
      const points: ClassifierStep[] = [];
      let names = 0;
      let evaluation: ClassifierEvaluation | null = null;
      do {
        s.steps ??= s.trainer.epochSteps();
        const r = s.steps.next();
        if (!r.done) {
          s.last = r.value;
          points.push({ step: r.value.step, loss: r.value.loss });
          names += r.value.examples;
          continue;
        }
        s.steps = null;
        if (r.value.stopped) throw new Error(`training stopped: ${r.value.stopped}. Lower the learning rate.`);
        evaluation = evaluationOf(s, r.value);
        if (++epochs >= s.train.epochs) {
          training = false;
          note = `trained ${epochs} epoch${epochs > 1 ? "s" : ""}; Resume trains ${s.train.epochs} more`;
        }
        break; // report the epoch now
      } while (training && performance.now() - started < SLICE_MS);
      if (points.length > 0 && s.last) {
        const seconds = (performance.now() - started) / 1000;
        post({ type: "progress", points, epoch: s.last.epoch, batch: s.last.batch, batches: s.last.batches, namesPerSecond: names / seconds });
      }
      if (evaluation) post({ type: "evaluation", evaluation });
      await yieldToEvents();
    }
  } catch (e) {
    note = "stopped by an error";
    post({ type: "error", message: errorText(e) });
  } finally {
    training = false;
  }
  post({ type: "status", training: false, note: note ?? `stopped at step ${s.trainer.step}` });
  if (session === s) post({ type: "model", info: info(s) });
}

function evaluationOf(s: Session, r: TaskEpochResult): ClassifierEvaluation {
  const v = r.validation!;
  const m = v.metrics as ClassificationMetrics;
  return {
    epoch: r.epoch, step: s.trainer.step, trainLoss: r.loss, loss: v.loss, accuracy: m.accuracy, macroF1: m.macroF1,
    perClass: m.perClass.map((c) => ({ precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })),
  };
}

// ---------------------------------------------------------------------------------------------- classify ----

function classify(id: number, text: string): void {
  const s = session;
  const name = text.trim().toLowerCase();
  if (!s) {
    post({ type: "no-model", id });
    return;
  }
  if (name === "") throw new Error("type a name to classify");
  const [c] = s.task.classify([name]);
  post({
    type: "probabilities", id, text, labels: [...s.task.labels!], probabilities: Array.from(c.probabilities), label: c.label,
    step: s.trainer.step, seen: s.part.get(name) ?? null,
  });
}

self.addEventListener("unhandledrejection", (event) => {
  post({ type: "error", message: errorText((event as PromiseRejectionEvent).reason) });
});
