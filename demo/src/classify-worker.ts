// The Classify tab's worker: builds the labelled set from the two first-name lists (a name's label is the list
// it is in; names in both lists are left out), trains a character-level classifier (Embedding → GRU or LSTM →
// Pool(last) → Linear) with the library's TaskTrainer one update per epochSteps().next(), in slices of ~60 ms,
// evaluates the held-out fifth of the names (a seeded split) after every epoch, and classifies whatever the
// page sends between two slices. All numeric work is the library's (wasm); this file only schedules it.

import {
  init, Sequential, TaskModel, TaskTrainer, splitDataset, textClassificationDataset, type ClassificationMetrics, type SequenceDataset, type TaskEpochResult,
} from "wasm-rnn/tasks";
import type { ClassifierEvaluation, ClassifierInfo, ClassifierSettings, ClassifierTrainSettings, FromClassifier, NameLists, ToClassifier } from "./classify-protocol";
import { TaskSessions, type TaskSession } from "./task-session";
import { serveMessages } from "./worker-util";

const VALIDATION = 0.2;
const SEED = 1;
/** Longer texts keep their start (names are at most 15 characters). */
const MAX_LENGTH = 32;
const LABELS = ["female", "male"];

const post = (message: FromClassifier) => self.postMessage(message);

interface Session extends TaskSession<ClassifierSettings, ClassifierTrainSettings> {
  task: TaskModel;
  counts: number[];
  dropped: number;
  /** Lower-cased name → the part of the set it is in. */
  part: Map<string, "train" | "validation">;
}

const sessions = new TaskSessions<ClassifierSettings, ClassifierTrainSettings, Session, ClassifierInfo>({
  post,
  rebuildReason: (s, settings) => (sameSettings(s.settings, settings) ? null : "the model settings changed, so this is a new model"),
  // the same split, and so the same balanced weights
  makeTrainer: (s, train) => makeTrainer(s.task, s.trainer.train, train, s.trainer.validation!),
  disposeModel: (s) => s.task.dispose(),
  info,
  progress: (points, last, names, seconds) => post({ type: "progress", points, epoch: last.epoch, batch: last.batch, batches: last.batches, namesPerSecond: names / seconds }),
  epochEnded: (s, r) => {
    if (r.stopped) throw new Error(`training stopped: ${r.stopped}. Lower the learning rate.`);
    const evaluation = evaluationOf(s, r);
    return () => {
      post({ type: "evaluation", evaluation });
      return undefined;
    };
  },
});

const ready = init().then(({ build }) => post({ type: "ready", build }));

serveMessages(ready, async (message: ToClassifier) => {
  switch (message.type) {
    case "start":
      return await sessions.start(message.model, message.train, (id) => newSession(id, message.names, message.model, message.train));
    case "stop":
      return sessions.stop();
    case "reset":
      return await sessions.reset();
    case "classify":
      return classify(message.id, message.text);
  }
}, post);

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

function newSession(id: number, names: NameLists, settings: ClassifierSettings, train: ClassifierTrainSettings): Session {
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
  return { id, task, trainer, settings, train: { ...train }, counts: data.counts, dropped: data.dropped, part, steps: null, last: null };
}

/** Balanced class weights: there are more female than male names, and macro-F1 counts both classes alike. */
function makeTrainer(task: TaskModel, dataset: SequenceDataset, train: ClassifierTrainSettings, validation: SequenceDataset): TaskTrainer {
  return new TaskTrainer(task.model, dataset, {
    batchSize: train.batch, optimizer: { name: "adam", lr: train.lr }, clip: 1, validation, seed: SEED, classWeights: "balanced",
  });
}

function info(s: Session): ClassifierInfo {
  return {
    id: s.id, settings: s.settings, labels: [...s.task.labels!], vocabSize: s.task.vocab!.size, parameters: s.task.model.parameterCount,
    counts: s.counts, dropped: s.dropped, train: s.trainer.train.examples.length, validation: s.trainer.validation!.examples.length,
    step: s.trainer.step, epoch: s.trainer.epoch,
  };
}

// ------------------------------------------------------------------------------------------ evaluation ----

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
  const s = sessions.session;
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
