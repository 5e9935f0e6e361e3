// What a `wasm-rnn fit` run is made of: its settings from the flags of a new run, or read back (and checked by
// the flags' rules) from the checkpoint of a run to resume; and what the settings make: the model's modules
// and the TaskTrainer's options.

import { isAbsolute, resolve } from "node:path";
import type { ModuleConfig } from "../nn/sequential.js";
import type { OptimizerName } from "../node.js";
import type { TaskTrainerOptions, MetricName, SequenceDataset, CalendarFeature } from "../tasks/index.js";
import { CALENDAR_FEATURES } from "../tasks/index.js";
import { fail } from "./errors.js";
import { checkStoredKeys, shortDescription, type Check } from "./stored-settings.js";
import { CELLS, LEVELS, OPTIMIZERS, SCHEDULES } from "./train-settings.js";
import { FRACTION, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, POSITIVE_INT, SEED, satisfies, type NumberRule } from "./values.js";

export const TASKS = ["classify", "tag", "regress", "forecast"] as const;
export type TaskName = (typeof TASKS)[number];
export const POOLS = ["last", "mean", "max"] as const;
export const OUTPUTS = ["direct", "step"] as const;
/** --monitor names (kebab-case, as flags are) → the trainer's metric names. */
export const MONITORS: Record<string, MetricName> = { loss: "loss", accuracy: "accuracy", "macro-f1": "macroF1", mae: "mae", rmse: "rmse" };

/** The one-field names of classify, tag and regress: the same in the flags (--text …) and in a model's Fields. */
export interface FieldNames {
  /** classify */
  text?: string;
  label?: string;
  /** tag */
  tokens?: string;
  tags?: string;
  /** regress */
  input?: string;
  target?: string;
}

/** The data fields a model reads; only the task's own are set (and stored with the model). */
export interface Fields extends FieldNames {
  /** forecast: the date column (or null), the target columns, the extra input columns */
  date?: string | null;
  targets?: string[];
  features?: string[];
}

export interface TaskSettings {
  task: TaskName;
  /** Absolute path of the data file, and its checksum (a resumed run needs the same data). */
  data: string;
  dataChecksum: string;
  fields: Fields;
  /** regress: targets per step. */
  perStep: boolean;
  level: (typeof LEVELS)[number];
  maxLength: number | null;
  minFreq: number;
  lookback: number;
  horizon: number;
  output: (typeof OUTPUTS)[number];
  calendar: CalendarFeature[];
  validationFrom: string | null;
  cell: (typeof CELLS)[number];
  hidden: number;
  layers: number;
  bidirectional: boolean;
  embed: number | null;
  dropout: number;
  pool: (typeof POOLS)[number];
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  weightDecay: number | null;
  clip: number;
  schedule: (typeof SCHEDULES)[number];
  seed: number;
  validation: number;
  earlyStopping: number | null;
  monitor: keyof typeof MONITORS;
  classWeights: "balanced" | null;
  out: string;
  checkpoint: string | null;
  /** The epoch after which early stopping ended the run (its best weights restored), or null. */
  stoppedEarly: number | null;
}

export interface FitFlags {
  task?: TaskName;
  text: string;
  label: string;
  tokens: string;
  tags: string;
  input: string;
  target?: string;
  date?: string;
  features?: string;
  perStep?: boolean;
  level: TaskSettings["level"];
  maxLength?: number;
  minFreq: number;
  lookback: number;
  horizon: number;
  output: TaskSettings["output"];
  calendar?: string;
  validationFrom?: string;
  cell: TaskSettings["cell"];
  hidden: number;
  layers: number;
  bidirectional?: boolean;
  embed?: number;
  dropout: number;
  pool?: TaskSettings["pool"];
  epochs: number;
  batchSize: number;
  lr?: number;
  optimizer: OptimizerName;
  weightDecay?: number;
  clip: number;
  schedule: TaskSettings["schedule"];
  seed: number;
  validation: number;
  earlyStopping?: number;
  monitor: TaskSettings["monitor"];
  classWeights?: "balanced";
  out?: string;
  checkpoint?: string | false;
  resume?: string;
  force?: boolean;
  dryRun?: boolean;
  quiet?: boolean;
  maxBytes: number;
}

/** Flags that decide the trained weights: a resumed run keeps them (flag name for the messages). */
export const RUN_FLAGS: [keyof FitFlags, string][] = [
  ["task", "--task"], ["level", "--level"], ["maxLength", "--max-length"], ["minFreq", "--min-freq"], ["perStep", "--per-step"],
  ["lookback", "--lookback"], ["horizon", "--horizon"], ["output", "--output"], ["calendar", "--calendar"], ["validationFrom", "--validation-from"],
  ["cell", "--cell"], ["hidden", "--hidden"], ["layers", "--layers"], ["bidirectional", "--bidirectional"], ["embed", "--embed"],
  ["dropout", "--dropout"], ["pool", "--pool"], ["batchSize", "--batch-size"], ["lr", "--lr"], ["optimizer", "--optimizer"],
  ["weightDecay", "--weight-decay"], ["clip", "--clip"], ["schedule", "--schedule"], ["seed", "--seed"], ["validation", "--validation"],
  ["earlyStopping", "--early-stopping"], ["monitor", "--monitor"], ["classWeights", "--class-weights"],
  ["text", "--text"], ["label", "--label"], ["tokens", "--tokens"], ["tags", "--tags"], ["input", "--input"], ["target", "--target"],
  ["date", "--date"], ["features", "--features"],
];

/** A comma-separated list of names: "a,b" → ["a", "b"] (each non-empty, none twice). */
export function nameList(text: string, flag: string): string[] {
  const names = text.split(",").map((n) => n.trim());
  if (names.some((n) => n === "")) fail(`${flag} ${JSON.stringify(text)} has an empty name; give names separated by commas, e.g. ${flag} a,b`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) fail(`${flag} names ${JSON.stringify(twice)} twice`);
  return names;
}

/** The data fields of a task from the flags (and their defaults). */
export function fieldsOf(task: TaskName, f: Pick<FitFlags, "text" | "label" | "tokens" | "tags" | "input" | "target" | "date" | "features">): Fields {
  switch (task) {
    case "classify": return { text: f.text, label: f.label };
    case "tag": return { tokens: f.tokens, tags: f.tags };
    case "regress": return { input: f.input, target: f.target ?? "target" };
    case "forecast": {
      if (f.target === undefined) fail("fit --task forecast needs --target <column> (or several: --target a,b), the column(s) to forecast");
      const targets = nameList(f.target, "--target");
      const features = f.features === undefined ? [] : nameList(f.features, "--features");
      const both = features.find((c) => targets.includes(c));
      if (both !== undefined) fail(`column ${JSON.stringify(both)} is in both --target and --features; a target is an input already`);
      if (f.date !== undefined && [...targets, ...features].includes(f.date)) fail(`--date ${f.date} is also a --target or --features column`);
      return { date: f.date ?? null, targets, features };
    }
  }
}

export function newSettings(dataArg: string | undefined, f: FitFlags): TaskSettings {
  if (f.task === undefined) fail("fit needs --task classify, tag, regress or forecast (or --resume <checkpoint>)");
  if (dataArg === undefined) fail("fit needs a data file: a .csv (with a header row) or a .jsonl file, or --resume <checkpoint>");
  if (f.out === undefined && !f.dryRun) fail("fit needs --out <model path> (or --dry-run to check the data and the model without training)");
  const task = f.task;
  const tokens = task === "tag" || task === "classify"; // classify may turn out to be on sequences of numbers
  const forecast = task === "forecast";
  if (!forecast) {
    for (const [key, flag] of [["date", "--date"], ["features", "--features"], ["calendar", "--calendar"], ["validationFrom", "--validation-from"]] as const) {
      if (f[key] !== undefined) fail(`${flag} is for --task forecast`);
    }
  }
  if (f.perStep && task !== "regress") fail("--per-step is for --task regress (tag targets are per step already)");
  if (f.embed !== undefined && !tokens) fail(`--embed is for token inputs (classify text, tag); --task ${task} reads numbers`);
  if (f.classWeights && task !== "classify" && task !== "tag") fail(`--class-weights is for classify and tag, not ${task}`);
  const classes = task === "classify" || task === "tag";
  const monitor = f.monitor;
  const allowed = classes ? ["loss", "accuracy", "macro-f1"] : ["loss", "mae", "rmse"];
  if (!allowed.includes(monitor)) fail(`--monitor ${monitor} is not a ${task} metric; choose one of ${allowed.join(", ")}`);
  if (f.earlyStopping === undefined && monitor !== "loss") fail("--monitor chooses the metric of --early-stopping <patience>; give both");
  if (f.earlyStopping !== undefined && f.validation === 0 && f.validationFrom === undefined) fail("--early-stopping watches the validation data: give --validation <fraction> > 0");
  if (forecast && f.output === "step" && f.horizon !== 1) fail(`--output step forecasts one step at a time (recursively), so --horizon must be 1, got ${f.horizon}; use --output direct for ${f.horizon} steps at once`);
  if (forecast && f.calendar !== undefined && f.date === undefined) fail("--calendar features come from the dates: name the date column with --date <column>");
  const calendar = f.calendar === undefined ? [] : nameList(f.calendar, "--calendar");
  const unknown = calendar.find((c) => !(CALENDAR_FEATURES as readonly string[]).includes(c));
  if (unknown !== undefined) fail(`--calendar ${unknown} is not a calendar feature; choose from ${CALENDAR_FEATURES.join(", ")}`);
  const out = f.out ?? "";
  return {
    task, data: resolve(dataArg), dataChecksum: "", fields: fieldsOf(task, f), perStep: f.perStep ?? false,
    level: f.level, maxLength: f.maxLength ?? null, minFreq: f.minFreq,
    lookback: f.lookback, horizon: f.horizon, output: f.output, calendar: calendar as CalendarFeature[], validationFrom: f.validationFrom ?? null,
    cell: f.cell, hidden: f.hidden, layers: f.layers, bidirectional: f.bidirectional ?? false, embed: f.embed ?? null, dropout: f.dropout,
    pool: f.pool ?? (task === "classify" ? "mean" : "last"),
    epochs: f.epochs, batchSize: f.batchSize, lr: f.lr ?? (f.optimizer === "sgd" ? 0.1 : 0.005), optimizer: f.optimizer,
    weightDecay: f.weightDecay ?? null, clip: f.clip, schedule: f.schedule, seed: f.seed, validation: f.validation,
    earlyStopping: f.earlyStopping ?? null, monitor, classWeights: f.classWeights ?? null,
    out, checkpoint: f.dryRun || f.checkpoint === false ? null : (f.checkpoint ?? `${out}.ckpt`), stoppedEarly: null,
  };
}

// ------------------------------------------------------------------------------ stored settings ----

const number = (rule: NumberRule): Check => ({ expected: rule.expected, accepts: (v) => satisfies(rule, v) });
const choice = (choices: readonly string[]): Check => ({ expected: `one of ${choices.join(", ")}`, accepts: (v) => typeof v === "string" && choices.includes(v) });
const orNull = (c: Check): Check => ({ expected: `${c.expected} or null`, accepts: (v) => v === null || c.accepts(v) });
const PATH = (v: unknown) => typeof v === "string" && v !== "" && v.length <= 4096 && !v.includes("\0");
const path: Check = { expected: "a file path", accepts: PATH };
const bool: Check = { expected: "true or false", accepts: (v) => typeof v === "boolean" };
const NAME = (v: unknown) => typeof v === "string" && v !== "" && v.length <= 1000;
const names: Check = { expected: "a list of names", accepts: (v) => Array.isArray(v) && v.length <= 1000 && v.every(NAME) };
const fields: Check = {
  expected: "an object of field names",
  accepts: (v) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) =>
    ["text", "label", "tokens", "tags", "input", "target"].includes(k) ? NAME(x)
      : k === "date" ? x === null || NAME(x)
      : k === "targets" || k === "features" ? names.accepts(x) : false),
};

const STORED: Record<keyof TaskSettings, Check> = {
  task: choice(TASKS), data: { expected: "an absolute file path", accepts: (v) => PATH(v) && isAbsolute(v as string) },
  dataChecksum: { expected: "8 hexadecimal digits", accepts: (v) => typeof v === "string" && /^[0-9a-f]{8}$/.test(v) },
  fields, perStep: bool, level: choice(LEVELS), maxLength: orNull(number(POSITIVE_INT)), minFreq: number(POSITIVE_INT),
  lookback: number(POSITIVE_INT), horizon: number(POSITIVE_INT), output: choice(OUTPUTS),
  calendar: { expected: `a list of ${CALENDAR_FEATURES.join(", ")}`, accepts: (v) => Array.isArray(v) && v.every((c) => (CALENDAR_FEATURES as readonly unknown[]).includes(c)) },
  validationFrom: orNull({ expected: "a date or row", accepts: NAME }),
  cell: choice(CELLS), hidden: number(POSITIVE_INT), layers: number(POSITIVE_INT), bidirectional: bool, embed: orNull(number(POSITIVE_INT)),
  dropout: number(FRACTION), pool: choice(POOLS), epochs: number(POSITIVE_INT), batchSize: number(POSITIVE_INT), lr: number(POSITIVE_FLOAT),
  optimizer: choice(OPTIMIZERS), weightDecay: orNull(number(NON_NEGATIVE_FLOAT)), clip: number(NON_NEGATIVE_FLOAT), schedule: choice(SCHEDULES),
  seed: number(SEED), validation: number(FRACTION), earlyStopping: orNull(number(POSITIVE_INT)), monitor: choice(Object.keys(MONITORS)),
  classWeights: orNull(choice(["balanced"])), out: path, checkpoint: orNull(path), stoppedEarly: orNull(number(POSITIVE_INT)),
};

/** The settings a fit checkpoint stored, each checked by its flag's rule; a foreign or damaged one is refused. */
export function storedSettings(stored: unknown, file: string): TaskSettings {
  const where = `the checkpoint ${file}`;
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) fail(`${where} has no fit settings (got ${shortDescription(stored)}), so the command line cannot resume it`);
  const record = stored as Record<string, unknown>;
  checkStoredKeys(record, STORED, where, { command: "wasm-rnn fit", restore: "TaskTrainer.restoreState" });
  return record as unknown as TaskSettings;
}

/** The stored value of a flag's setting, for comparing with a flag given to --resume. */
export function storedFlagValue(s: TaskSettings, key: keyof FitFlags): unknown {
  const f = s.fields;
  switch (key) {
    case "calendar": return s.calendar.length > 0 ? s.calendar.join(",") : undefined;
    case "target": return f.targets ? f.targets.join(",") : f.target;
    case "features": return f.features && f.features.length > 0 ? f.features.join(",") : undefined;
    case "date": return f.date ?? undefined;
    case "text": case "label": case "tokens": case "tags": case "input": return f[key];
    case "bidirectional": case "perStep": return (s[key] as boolean) || undefined;
    default: {
      const v = (s as unknown as Record<string, unknown>)[key];
      return v === null ? undefined : v;
    }
  }
}

// ---------------------------------------------------------------------------------- the model ----

export interface DataShape {
  inputKind: "tokens" | "features";
  /** The vocabulary size, or features per step. */
  inputSize: number;
  /** Classes, or values per example / per step. */
  outFeatures: number;
  /** One output row per sequence (a Pool before the last Linear). */
  pooled: boolean;
}

/** Embedding (token inputs) → RNN / GRU / LSTM → Dropout (with --dropout) → Pool (pooled tasks) → Linear. */
export function moduleConfigs(s: TaskSettings, shape: DataShape): ModuleConfig[] {
  const modules: ModuleConfig[] = [];
  let width = shape.inputSize;
  if (shape.inputKind === "tokens") {
    const embed = s.embed ?? 32;
    modules.push({ name: "embedding", type: "Embedding", numEmbeddings: shape.inputSize, embeddingDim: embed });
    width = embed;
  }
  const type = s.cell === "rnn" ? "RNN" : s.cell === "gru" ? "GRU" : "LSTM";
  // dropout between stacked layers too, as PyTorch's dropout= (it has no effect on a single layer)
  modules.push({ name: "rnn", type, inputSize: width, hiddenSize: s.hidden, numLayers: s.layers, bidirectional: s.bidirectional, dropout: s.layers > 1 ? s.dropout : 0 });
  width = s.hidden * (s.bidirectional ? 2 : 1);
  if (s.dropout > 0) modules.push({ name: "dropout", type: "Dropout", p: s.dropout });
  if (shape.pooled) modules.push({ name: "pool", type: "Pool", mode: s.pool });
  modules.push({ name: "fc", type: "Linear", inFeatures: width, outFeatures: shape.outFeatures });
  return modules;
}

/** "embedding 32 → GRU 64 (2 layers, bidirectional) → dropout 0.2 → mean pool → linear 3". */
export function describeModules(modules: readonly ModuleConfig[]): string {
  return modules.map((m) => {
    switch (m.type) {
      case "Embedding": return `embedding ${m.embeddingDim} (vocabulary ${m.numEmbeddings})`;
      case "Pool": return `${m.mode} pool`;
      case "Linear": return `linear ${m.outFeatures}`;
      case "Dropout": return `dropout ${m.p}`;
      default: {
        const extra = [(m.numLayers ?? 1) > 1 ? `${m.numLayers} layers` : "", m.bidirectional ? "bidirectional" : ""].filter((x) => x !== "");
        return `${m.type} ${m.hiddenSize}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
      }
    }
  }).join(" → ");
}

/** The TaskTrainer's options; `batchesPerEpoch` sets the schedules' length, as train does. */
export function trainerOptions(s: TaskSettings, validation: SequenceDataset | null, batchesPerEpoch: number): TaskTrainerOptions {
  const total = Math.max(1, s.epochs * batchesPerEpoch);
  return {
    batchSize: s.batchSize, seed: s.seed,
    optimizer: { name: s.optimizer, lr: s.lr, ...(s.weightDecay !== null ? { weightDecay: s.weightDecay } : {}) },
    ...(s.clip > 0 ? { clip: s.clip } : {}),
    schedule: s.schedule === "cosine" ? { kind: "cosine", total }
      : s.schedule === "step" ? { kind: "step", every: Math.max(1, Math.round(total / 4)), gamma: 0.5 }
      : { kind: "constant" },
    ...(validation ? { validation } : {}),
    ...(s.earlyStopping !== null ? { earlyStopping: { patience: s.earlyStopping, metric: MONITORS[s.monitor] } } : {}),
    ...(s.classWeights ? { classWeights: s.classWeights } : {}),
  };
}
