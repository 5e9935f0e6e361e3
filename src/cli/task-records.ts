// The records of each task, read from the rows of a data file: what fit trains on, eval scores and predict
// runs on. Targets are read only when asked for (predict needs none); every problem names file, line, field.

import { parseDate } from "../data/calendar.js";
import { fail } from "./errors.js";
import { at, field, type Row, type Table } from "./task-table.js";
import { checkFeatures, labelOf, numberOf, sequenceOf, textOf, wordsOf, type Sequence } from "./task-values.js";
import type { Fields } from "./task-settings.js";

export interface ClassifyRecords {
  /** Texts, or (JSONL) sequences of numbers: a sensor trace. */
  inputs: { kind: "text"; texts: string[] } | { kind: "sequence"; sequences: Sequence[] };
  labels: string[] | null;
}

export interface TagRecords {
  tokens: string[][];
  tags: string[][] | null;
}

export interface RegressRecords {
  inputs: Sequence[];
  /** Per sequence: all of a target's values; per step: [steps · outputs]. */
  targets: Sequence[] | null;
}

export interface SeriesRecords {
  /** [rows · columns], the target columns first, then the feature columns. */
  values: Float32Array;
  columns: string[];
  dates: Date[] | null;
}

/** Whether a JSON value is text (classify's text input) rather than a sequence of numbers. */
const isText = (v: unknown) => typeof v === "string";

export function classifyRecords(table: Table, fields: Fields, labelled: boolean, inputFeatures?: number): ClassifyRecords {
  const name = fields.text!, rows = table.rows;
  const first = field(table, rows[0], name, "--text");
  const labels = labelled ? rows.map((r) => labelOf(table, r, fields.label!, "--label")) : null;
  if (table.format === "csv" || isText(first)) {
    const texts = rows.map((r) => {
      const v = field(table, r, name, "--text");
      if (!isText(v)) fail(`${at(table, r, name)}: expected text like line ${rows[0].line}'s, got ${Array.isArray(v) ? "an array" : JSON.stringify(v)}`);
      return textOf(table, r, name, "--text");
    });
    return { inputs: { kind: "text", texts }, labels };
  }
  const sequences = rows.map((r) => {
    if (isText(field(table, r, name, "--text"))) fail(`${at(table, r, name)}: expected a sequence of numbers like line ${rows[0].line}'s, got text`);
    return sequenceOf(table, r, name, "--text");
  });
  const features = inputFeatures ?? sequences[0].features;
  checkFeatures(table, rows, sequences, name, features, inputFeatures === undefined ? `line ${rows[0].line} has` : "the model takes");
  return { inputs: { kind: "sequence", sequences }, labels };
}

export function tagRecords(table: Table, fields: Fields, labelled: boolean): TagRecords {
  const tokens = table.rows.map((r) => wordsOf(table, r, fields.tokens!, "--tokens"));
  if (!labelled) return { tokens, tags: null };
  const tags = table.rows.map((r, i) => {
    const t = wordsOf(table, r, fields.tags!, "--tags");
    if (t.length !== tokens[i].length) fail(`${at(table, r, fields.tags!)}: ${t.length} tag${t.length === 1 ? "" : "s"} for ${tokens[i].length} token${tokens[i].length === 1 ? "" : "s"}; give one tag per token`);
    return t;
  });
  return { tokens, tags };
}

/**
 * Inputs are sequences of `inputFeatures` (default: the first row's) numbers per step. Targets per sequence
 * are all of the cell's (or array's) values, as many in every row; per step, one step per input step.
 */
export function regressRecords(table: Table, fields: Fields, perStep: boolean, labelled: boolean, shape: { inputs?: number; outputs?: number } = {}): RegressRecords {
  const rows = table.rows, name = fields.input!, targetName = fields.target!;
  const inputs = rows.map((r) => sequenceOf(table, r, name, "--input"));
  checkFeatures(table, rows, inputs, name, shape.inputs ?? inputs[0].features, shape.inputs === undefined ? `line ${rows[0].line} has` : "the model takes");
  if (!labelled) return { inputs, targets: null };
  const targets = rows.map((r, i) => {
    const t = sequenceOf(table, r, targetName, "--target");
    if (!perStep) return { values: t.values, steps: 1, features: t.values.length };
    if (t.steps !== inputs[i].steps) fail(`${at(table, r, targetName)}: ${t.steps} target steps for ${inputs[i].steps} input steps; with --per-step every input step needs a target`);
    return t;
  });
  const outputs = shape.outputs ?? targets[0].features;
  targets.forEach((t, i) => {
    if (t.features !== outputs) {
      const whose = shape.outputs === undefined ? `line ${rows[0].line} has ${outputs}` : `the model predicts ${outputs}`;
      fail(`${at(table, rows[i], targetName)}: ${t.features} target value${t.features === 1 ? "" : "s"}${perStep ? " per step" : ""}, but ${whose}`);
    }
  });
  return { inputs, targets };
}

/** A time series, one row per step: numbers in the target and feature columns, ISO dates in the date column. */
export function seriesRecords(table: Table, fields: Fields): SeriesRecords {
  const columns = [...fields.targets!, ...fields.features!];
  const F = columns.length, rows = table.rows;
  const values = new Float32Array(rows.length * F);
  rows.forEach((r, t) => columns.forEach((c, f) => {
    const flag = f < fields.targets!.length ? "--target" : "--features";
    values[t * F + f] = numberOf(field(table, r, c, flag), () => at(table, r, c));
  }));
  let dates: Date[] | null = null;
  if (fields.date) {
    const d = fields.date;
    dates = rows.map((r) => {
      try {
        return parseDate(at(table, r, d), field(table, r, d, "--date"));
      } catch (e) {
        fail((e as Error).message.replace(/ must be a Date or an ISO 8601 string, got /, ": expected an ISO 8601 date, got "));
      }
    });
    dates.forEach((date, t) => {
      if (t > 0 && date.getTime() <= dates![t - 1].getTime()) {
        fail(`${at(table, rows[t], d)}: ${date.toISOString().slice(0, 10)} does not come after line ${rows[t - 1].line}'s ${dates![t - 1].toISOString().slice(0, 10)}; the rows must be in time order, one per step`);
      }
    });
  }
  return { values, columns, dates };
}

/** Checks the labels against the model's: a label it does not know is an error naming its line. */
export function checkLabels(table: Table, rows: readonly Row[], labels: readonly string[], fieldName: string, known: readonly string[], perRow = false): void {
  const set = new Set(known);
  const list = known.map((l) => JSON.stringify(l)).join(", ");
  labels.forEach((l, i) => {
    if (!set.has(l)) fail(`${at(table, rows[i], fieldName)}: ${perRow ? "tag" : "label"} ${JSON.stringify(l)} is not one of the model's ${perRow ? "tags" : "labels"}: ${list}`);
  });
}
