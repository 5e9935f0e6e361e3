// The datasets `wasm-rnn fit` trains and validates on, from a data file and the settings. What is learnt from
// data (the vocabulary, the normalisation of inputs and targets) is fitted on the training part only, so the
// validation numbers are those of unseen data; the labels come from the whole file (every class has an id).
// classify / tag / regress: a seeded random split of the rows (the library's splitDataset). forecast: a cut
// in time, the validation part keeping `lookback` rows of context before it (as splitByTime does).

import {
  Normalizer, splitDataset, taggingDataset, textClassificationDataset, timeSeriesWindows,
  type SequenceDataset, type SequenceExample, type TaskModelInfo, type WindowOptions,
} from "../tasks/index.js";
import { parseDate } from "../data/calendar.js";
import { fail, CliError } from "./errors.js";
import type { Table } from "./task-table.js";
import { classifyRecords, regressRecords, seriesRecords, tagRecords } from "./task-records.js";
import type { Sequence } from "./task-values.js";
import type { DataShape, TaskSettings } from "./task-settings.js";

export interface FitData {
  train: SequenceDataset;
  validation: SequenceDataset | null;
  /** What the model keeps besides its weights (labels, vocabulary, normalizers, window). */
  info: Omit<TaskModelInfo, "task" | "settings">;
  shape: DataShape;
  /** "480 training examples, 120 validation (a seeded 20% split); 2 labels: neg, pos; vocabulary 31 (char)". */
  summary: string;
}

export function fitData(table: Table, s: TaskSettings): FitData {
  switch (s.task) {
    case "classify": return classifyData(table, s);
    case "tag": return tagData(table, s);
    case "regress": return regressData(table, s);
    case "forecast": return forecastData(table, s);
  }
}

// ------------------------------------------------------------------------------------- splits ----

interface Split {
  train: number[];
  validation: number[];
}

/** The rows for training and validation: the library's seeded split of the row indices (or all for training). */
function split(n: number, s: TaskSettings, table: Table): Split {
  const all = Array.from({ length: n }, (_, i) => i);
  if (s.validation === 0) return { train: all, validation: [] };
  const k = Math.round(n * s.validation);
  if (k === 0 || k === n) fail(`--validation ${s.validation} of the ${n} rows of ${table.path} leaves ${k === 0 ? "no validation row" : "no training row"}; use more data, another fraction, or --validation 0`);
  // splitDataset on placeholders: the same indices as on any dataset of n examples with this seed
  const placeholder: SequenceDataset = { task: "classify", inputKind: "tokens", inputSize: 1, outFeatures: 1, perStep: false, examples: all.map(() => ({ input: Int32Array.of(0), target: 0 })) };
  const { indices } = splitDataset(placeholder, { validation: s.validation, seed: s.seed });
  return { train: Array.from(indices.train), validation: Array.from(indices.validation) };
}

function splitText(sp: Split, s: TaskSettings, n: number): string {
  return sp.validation.length === 0 ? `${n} training examples, no validation (--validation 0)`
    : `${sp.train.length} training examples, ${sp.validation.length} validation (a seeded ${+(s.validation * 100).toFixed(2)}% split)`;
}

/** Runs a library builder over some rows; a message about records[i] names the file's line instead. */
function onRows<T>(table: Table, rows: readonly number[], build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof CliError) throw e;
    const message = (e as Error).message.replace(/^records\[(\d+)\]/, (_, i: string) => `${table.path} line ${table.rows[rows[Number(i)]].line}`);
    fail(message);
  }
}

const labelList = (labels: readonly string[]) => `${labels.length} labels: ${labels.length <= 12 ? labels.join(", ") : `${labels.slice(0, 12).join(", ")}, …`}`;

function distinctLabels(table: Table, labels: readonly string[], what: string): string[] {
  const distinct = [...new Set(labels)].sort();
  if (distinct.length < 2) fail(`${table.path}: every row has the ${what} ${JSON.stringify(distinct[0])}; a classifier needs at least 2 different ${what}s`);
  return distinct;
}

// -------------------------------------------------------------------------------------- tasks ----

function classifyData(table: Table, s: TaskSettings): FitData {
  const r = classifyRecords(table, s.fields, true);
  const given = r.labels!;
  const labels = distinctLabels(table, given, "label");
  const n = table.rows.length, sp = split(n, s, table);
  const classOf = new Map(labels.map((l, i) => [l, i]));
  if (r.inputs.kind === "text") {
    const texts = r.inputs.texts;
    const records = (idx: number[]) => idx.map((i) => ({ text: texts[i], label: given[i] }));
    const limit = s.maxLength !== null ? { maxLength: s.maxLength } : {};
    const train = onRows(table, sp.train, () => textClassificationDataset(records(sp.train), { level: s.level, minFreq: s.minFreq, labels, ...limit }));
    const validation = sp.validation.length === 0 ? null
      : onRows(table, sp.validation, () => textClassificationDataset(records(sp.validation), { vocab: train.vocab, labels, ...limit })).dataset;
    return {
      train: train.dataset, validation,
      info: { labels, vocab: train.vocab, maxLength: s.maxLength },
      shape: { inputKind: "tokens", inputSize: train.vocab.size, outFeatures: labels.length, pooled: true },
      summary: `${splitText(sp, s, n)}; ${labelList(labels)}; vocabulary ${train.vocab.size} (${s.level}${s.minFreq > 1 ? `, --min-freq ${s.minFreq}` : ""})`,
    };
  }
  const seqs = r.inputs.sequences, F = seqs[0].features;
  const normalizer = fitNormalizer(sp.train.map((i) => seqs[i]), F);
  const examples = (idx: number[]): SequenceExample[] => idx.map((i) => ({ input: normalizer.transform(seqs[i].values), target: classOf.get(given[i])! }));
  const dataset = (idx: number[]): SequenceDataset => ({ task: "classify", inputKind: "features", inputSize: F, outFeatures: labels.length, perStep: false, examples: examples(idx) });
  return {
    train: dataset(sp.train), validation: sp.validation.length > 0 ? dataset(sp.validation) : null,
    info: { labels, normalizer },
    shape: { inputKind: "features", inputSize: F, outFeatures: labels.length, pooled: true },
    summary: `${splitText(sp, s, n)}; ${labelList(labels)}; sequences of ${F} feature${F === 1 ? "" : "s"} per step (standardised)`,
  };
}

function tagData(table: Table, s: TaskSettings): FitData {
  const r = tagRecords(table, s.fields, true);
  const labels = distinctLabels(table, r.tags!.flat(), "tag");
  const n = table.rows.length, sp = split(n, s, table);
  const records = (idx: number[]) => idx.map((i) => ({ tokens: r.tokens[i], tags: r.tags![i] }));
  const limit = s.maxLength !== null ? { maxLength: s.maxLength } : {};
  const train = onRows(table, sp.train, () => taggingDataset(records(sp.train), { minFreq: s.minFreq, labels, ...limit }));
  const validation = sp.validation.length === 0 ? null : onRows(table, sp.validation, () => taggingDataset(records(sp.validation), { vocab: train.vocab, labels, ...limit })).dataset;
  return {
    train: train.dataset, validation,
    info: { labels, vocab: train.vocab, maxLength: s.maxLength },
    shape: { inputKind: "tokens", inputSize: train.vocab.size, outFeatures: labels.length, pooled: false },
    summary: `${splitText(sp, s, n)}; ${labelList(labels).replace("labels", "tags")}; vocabulary ${train.vocab.size} (tokens as given${s.minFreq > 1 ? `, --min-freq ${s.minFreq}` : ""})`,
  };
}

function regressData(table: Table, s: TaskSettings): FitData {
  const r = regressRecords(table, s.fields, s.perStep, true);
  const inputs = r.inputs, targets = r.targets!;
  const F = inputs[0].features, O = targets[0].features;
  const n = table.rows.length, sp = split(n, s, table);
  const normalizer = fitNormalizer(sp.train.map((i) => inputs[i]), F);
  const targetNormalizer = fitNormalizer(sp.train.map((i) => targets[i]), O);
  const dataset = (idx: number[]): SequenceDataset => ({
    task: "regress", inputKind: "features", inputSize: F, outFeatures: O, perStep: s.perStep,
    examples: idx.map((i) => ({ input: normalizer.transform(inputs[i].values), target: targetNormalizer.transform(targets[i].values) })),
  });
  return {
    train: dataset(sp.train), validation: sp.validation.length > 0 ? dataset(sp.validation) : null,
    info: { normalizer, targetNormalizer },
    shape: { inputKind: "features", inputSize: F, outFeatures: O, pooled: !s.perStep },
    summary: `${splitText(sp, s, n)}; ${F} input feature${F === 1 ? "" : "s"} per step → ${O} value${O === 1 ? "" : "s"} ${s.perStep ? "per step" : "per sequence"} (inputs and targets standardised)`,
  };
}

function fitNormalizer(parts: readonly Sequence[], features: number): Normalizer {
  const total = parts.reduce((n, p) => n + p.values.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    all.set(p.values, offset);
    offset += p.values.length;
  }
  return Normalizer.fit(all, features);
}

// ----------------------------------------------------------------------------------- forecast ----

/** The window a forecast model reads: `lookback` steps of every column (targets first), plus calendar pairs. */
export function windowOf(s: TaskSettings): WindowOptions {
  const K = s.fields.targets!.length;
  return {
    lookback: s.lookback, ...(s.output === "direct" ? { horizon: s.horizon } : {}),
    targets: Array.from({ length: K }, (_, k) => k), calendar: s.calendar, output: s.output,
  };
}

function forecastData(table: Table, s: TaskSettings): FitData {
  const series = seriesRecords(table, s.fields);
  const F = series.columns.length, n = table.rows.length, L = s.lookback, H = s.output === "direct" ? s.horizon : 1;
  const cut = validationStart(table, s, series.dates, n);
  const need = L + H;
  if (cut < need) {
    fail(`${table.path} has ${cut} rows${cut < n ? " before the validation part" : ""}; a window of --lookback ${L} and --horizon ${H} needs at least ${need} to train on`);
  }
  if (cut < n && n - cut < H) fail(`${table.path} has ${n - cut} validation row${n - cut === 1 ? "" : "s"}; --horizon ${H} needs at least ${H} after the training part`);
  const normalizer = Normalizer.fit(series.values.subarray(0, cut * F), F);
  const window = windowOf(s);
  const part = (from: number, to: number) => timeSeriesWindows({
    values: normalizer.transform(series.values.subarray(from * F, to * F)), features: F,
    ...(series.dates ? { dates: series.dates.slice(from, to) } : {}),
  }, window).dataset;
  const train = part(0, cut);
  const validation = cut < n ? part(cut - L, n) : null;
  const date = (i: number) => (series.dates ? ` (${series.dates[i].toISOString().slice(0, 10)})` : "");
  const K = s.fields.targets!.length;
  return {
    train, validation,
    info: { normalizer, window, features: F },
    shape: { inputKind: "features", inputSize: train.inputSize, outFeatures: train.outFeatures, pooled: s.output === "direct" },
    summary: `${cut} rows to train on${cut < n ? `, from row ${cut}${date(cut)} on to validate (with ${L} rows of context)` : ", none to validate"}; `
      + `${train.examples.length} training windows${validation ? `, ${validation.examples.length} validation` : ""}; `
      + `${K} target${K === 1 ? "" : "s"} (${s.fields.targets!.join(", ")})${s.fields.features!.length > 0 ? `, features ${s.fields.features!.join(", ")}` : ""}`
      + `${s.calendar.length > 0 ? `, calendar ${s.calendar.join(", ")}` : ""}; ${s.output === "direct" ? `${H} step${H === 1 ? "" : "s"} at once` : "one step at a time"} (standardised)`,
  };
}

/** The first validation row: --validation-from (a row index or a date), else the last --validation fraction. */
function validationStart(table: Table, s: TaskSettings, dates: Date[] | null, n: number): number {
  const from = s.validationFrom;
  if (from === null) return s.validation === 0 ? n : n - Math.round(n * s.validation);
  if (/^\d+$/.test(from)) {
    const i = Number(from);
    if (i < 1 || i >= n) fail(`--validation-from ${from} must be a row index in [1, ${n - 1}] (the first ${from} rows train), as ${table.path} has ${n} rows`);
    return i;
  }
  if (!dates) fail(`--validation-from ${from} is not a row index, and a date needs --date <column>`);
  let t: number;
  try {
    t = parseDate("--validation-from", from).getTime();
  } catch {
    fail(`--validation-from ${JSON.stringify(from)} is neither a row index nor an ISO 8601 date (YYYY-MM-DD)`);
  }
  const i = dates.findIndex((d) => d.getTime() >= t);
  if (i <= 0) fail(`--validation-from ${from} ${i === 0 ? "is on or before the first date" : "is after the last date"} of ${table.path}; the training part would be ${i === 0 ? "empty" : "everything"}`);
  return i;
}
