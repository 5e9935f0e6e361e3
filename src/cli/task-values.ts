// The values inside data rows: text, labels, token lists, numbers and sequences of feature vectors, read the
// same way from a CSV cell (text) and a JSON value, each problem a one-line error naming file, line, field.
//
// Sequences in a CSV cell: steps are separated by ";", the features of a step by spaces:
//   "0.5 1; 0.7 2; 0.9 3" = 3 steps of 2 features;  "1;2;3" = 3 steps of 1 feature;  "4.2" = one step.
// In JSON: an array of numbers (one feature per step) or an array of arrays (the features of each step).

import { fail } from "./errors.js";
import { at, field, type Row, type Table } from "./task-table.js";

/** A sequence of `steps` steps of `features` numbers each, row-major. */
export interface Sequence {
  values: Float32Array;
  steps: number;
  features: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function quote(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** A finite number from a JSON number or a numeric string (CSV cells, "3.5", "-1e-3"). */
export function numberOf(value: unknown, where: () => string): number {
  const n = typeof value === "number" ? value : typeof value === "string" && NUMBER.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isFinite(n)) fail(`${where()}: expected a number, got ${value === "" ? "an empty cell" : quote(value)}`);
  return n;
}

/** A non-empty text (after trimming). */
export function textOf(table: Table, row: Row, name: string, flag: string): string {
  const value = field(table, row, name, flag);
  if (typeof value !== "string") fail(`${at(table, row, name)}: expected text, got ${quote(value)}`);
  if (value.trim() === "") fail(`${at(table, row, name)}: the text is empty`);
  return value;
}

/** A class label: text, or a JSON number / boolean written as text. */
export function labelOf(table: Table, row: Row, name: string, flag: string): string {
  const value = field(table, row, name, flag);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") fail(`${at(table, row, name)}: expected a label (text or a number), got ${quote(value)}`);
  if (value.trim() === "") fail(`${at(table, row, name)}: the label is empty`);
  return value.trim();
}

/** Tokens or tags: a JSON array of strings, or text split at whitespace. */
export function wordsOf(table: Table, row: Row, name: string, flag: string): string[] {
  const value = field(table, row, name, flag);
  let words: string[];
  if (Array.isArray(value)) {
    const bad = value.findIndex((w) => typeof w !== "string" || w === "");
    if (bad >= 0) fail(`${at(table, row, name)}: item ${bad} must be a non-empty string, got ${quote(value[bad])}`);
    words = value as string[];
  } else if (typeof value === "string") words = value.split(/\s+/).filter((w) => w !== "");
  else fail(`${at(table, row, name)}: expected an array of strings or space-separated text, got ${quote(value)}`);
  if (words.length === 0) fail(`${at(table, row, name)}: it is empty`);
  return words;
}

/** A sequence of feature vectors: a CSV cell ("1 2; 3 4") or a JSON array (of numbers, or of arrays). */
export function sequenceOf(table: Table, row: Row, name: string, flag: string): Sequence {
  const value = field(table, row, name, flag);
  const where = () => at(table, row, name);
  let steps: unknown[][];
  if (typeof value === "string") {
    if (value.trim() === "") fail(`${where()}: the sequence is empty`);
    steps = value.split(";").map((step, t) => {
      const parts = step.trim().split(/\s+/).filter((p) => p !== "");
      if (parts.length === 0) fail(`${where()}: step ${t + 1} is empty (steps are separated by ";", the features of a step by spaces)`);
      return parts;
    });
  } else if (typeof value === "number") steps = [[value]];
  else if (Array.isArray(value)) {
    if (value.length === 0) fail(`${where()}: the sequence is empty`);
    steps = value.every((v) => Array.isArray(v)) ? (value as unknown[][]) : value.map((v) => [v]);
  } else fail(`${where()}: expected a sequence (an array of numbers, an array of arrays, or a cell like "1 2; 3 4"), got ${quote(value)}`);
  const features = steps[0].length;
  if (features === 0) fail(`${where()}: step 1 has no values`);
  const values = new Float32Array(steps.length * features);
  steps.forEach((step, t) => {
    if (step.length !== features) fail(`${where()}: step ${t + 1} has ${step.length} values, but step 1 has ${features}; every step needs the same number of features`);
    step.forEach((v, f) => (values[t * features + f] = numberOf(v, () => `${where()}, step ${t + 1}`)));
  });
  return { values, steps: steps.length, features };
}

/** Checks that every sequence has `features` values per step (the first one's, or the model's). */
export function checkFeatures(table: Table, rows: readonly Row[], sequences: readonly Sequence[], name: string, features: number, whose: string): void {
  sequences.forEach((s, i) => {
    if (s.features !== features) fail(`${at(table, rows[i], name)}: ${s.features} feature${s.features === 1 ? "" : "s"} per step, but ${whose} ${features}`);
  });
}
