// The dataset of a sequence task (classify, tag, regress): variable-length examples, each an input sequence
// and its target, as the task models and the trainer consume them. Checked once, up front, so a bad example
// is named by its index here rather than surfacing as a wrong loss ten batches into an epoch.

import { checkKnownKeys, checkObject, describe } from "../errors.js";
import { Random } from "../random.js";
import { runtime } from "../init.js";

export type Task = "classify" | "tag" | "regress";
export type InputKind = "tokens" | "features";

export interface SequenceExample {
  /** [length] token ids, or [length · inputSize] features (row-major by step). */
  input: Int32Array | Float32Array;
  /** classify: a class id; tag: Int32Array [length]; regress: Float32Array [outFeatures] or [length · outFeatures]. */
  target: number | Int32Array | Float32Array;
}

export interface SequenceDataset {
  task: Task;
  examples: SequenceExample[];
  inputKind: InputKind;
  /** Features per step (the vocabulary size for tokens). */
  inputSize: number;
  /** Classes (classify, tag) or target values per example or per step (regress). */
  outFeatures: number;
  /** Targets per step (tag; per-step regression) or one per example. */
  perStep: boolean;
}

/** A padded, time-major batch ready for Sequential.forward. */
export interface TaskBatch {
  /** [T·B] token ids or [T·B·inputSize] features: step t of row b at t·B + b; padded with 0. */
  input: Int32Array | Float32Array;
  /** [B] valid steps of each row. */
  lengths: Int32Array;
  /** classify Int32Array [B]; tag Int32Array [T·B] (ignoreIndex at padded steps); regress Float32Array [B·O] or [T·B·O]. */
  target: Int32Array | Float32Array;
  seqLen: number;
  batch: number;
  /** Which examples of the dataset, row by row. */
  indices: Int32Array;
}

const TASKS: readonly Task[] = ["classify", "tag", "regress"];

/** Steps of an example: its token count, or its feature count over inputSize. */
export function exampleLength(dataset: Pick<SequenceDataset, "inputKind" | "inputSize">, example: SequenceExample): number {
  return dataset.inputKind === "tokens" ? example.input.length : example.input.length / dataset.inputSize;
}

/**
 * Throws a TypeError or RangeError naming the first bad field or example (by index) and what was expected.
 * Tag targets may hold `ignoreIndex` (default −100) at steps that are not scored.
 */
export function checkDataset(dataset: unknown, options: { ignoreIndex?: number } = {}): SequenceDataset {
  const d = checkObject("dataset", dataset, "a SequenceDataset object");
  if (!TASKS.includes(d.task as Task)) throw new TypeError(`dataset.task must be one of ${TASKS.join(", ")}, got ${describe(d.task)}`);
  if (d.inputKind !== "tokens" && d.inputKind !== "features") {
    throw new TypeError(`dataset.inputKind must be "tokens" or "features", got ${describe(d.inputKind)}`);
  }
  for (const key of ["inputSize", "outFeatures"] as const) {
    const v = d[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new RangeError(`dataset.${key} must be an integer ≥ 1, got ${describe(v)}`);
  }
  if (typeof d.perStep !== "boolean") throw new TypeError(`dataset.perStep must be true or false, got ${describe(d.perStep)}`);
  if (d.task === "classify" && d.perStep) throw new RangeError("dataset: a classify dataset has one target per example (perStep false); per-step classes are the tag task");
  if (d.task === "tag" && !d.perStep) throw new RangeError("dataset: a tag dataset has a class per step (perStep true); one class per example is the classify task");
  if (!Array.isArray(d.examples)) throw new TypeError(`dataset.examples must be an array, got ${describe(d.examples)}`);
  if (d.examples.length === 0) throw new RangeError("dataset.examples is empty: a dataset needs at least one example");
  const ignoreIndex = options.ignoreIndex ?? -100;
  const ds = d as unknown as SequenceDataset;
  ds.examples.forEach((e, i) => checkExample(ds, e, `dataset.examples[${i}]`, ignoreIndex));
  return ds;
}

function checkExample(d: SequenceDataset, e: unknown, at: string, ignoreIndex: number): void {
  const { input, target } = checkObject(at, e, "{ input, target }") as unknown as SequenceExample;
  let steps: number;
  if (d.inputKind === "tokens") {
    if (!(input instanceof Int32Array)) throw new TypeError(`${at}.input must be an Int32Array of token ids, got ${describe(input)}`);
    steps = input.length;
    const bad = input.findIndex((id) => id < 0 || id >= d.inputSize);
    if (bad >= 0) throw new RangeError(`${at}.input[${bad}] must be a token id in [0, ${d.inputSize}), got ${input[bad]}`);
  } else {
    if (!(input instanceof Float32Array)) throw new TypeError(`${at}.input must be a Float32Array of [length · ${d.inputSize}] features, got ${describe(input)}`);
    if (input.length % d.inputSize !== 0) {
      throw new RangeError(`${at}.input has ${input.length} values, not a multiple of inputSize ${d.inputSize} (steps × features)`);
    }
    steps = input.length / d.inputSize;
    checkFinite(`${at}.input`, input);
  }
  if (steps === 0) throw new RangeError(`${at}.input is empty: an example needs at least one step`);
  if (d.task === "classify") {
    if (typeof target !== "number" || !Number.isInteger(target) || target < 0 || target >= d.outFeatures) {
      throw new RangeError(`${at}.target must be a class id in [0, ${d.outFeatures}), got ${describe(target)}`);
    }
  } else if (d.task === "tag") {
    if (!(target instanceof Int32Array)) throw new TypeError(`${at}.target must be an Int32Array of ${steps} class ids (one per step), got ${describe(target)}`);
    if (target.length !== steps) throw new RangeError(`${at}.target must have ${steps} class ids (one per input step), got ${target.length}`);
    const bad = target.findIndex((c) => c !== ignoreIndex && (c < 0 || c >= d.outFeatures));
    if (bad >= 0) throw new RangeError(`${at}.target[${bad}] must be a class id in [0, ${d.outFeatures}) or ignoreIndex ${ignoreIndex}, got ${target[bad]}`);
  } else {
    const expected = d.perStep ? steps * d.outFeatures : d.outFeatures;
    const shape = d.perStep ? `[length · outFeatures] = ${steps} × ${d.outFeatures}` : `[outFeatures] = ${d.outFeatures}`;
    if (!(target instanceof Float32Array)) throw new TypeError(`${at}.target must be a Float32Array of ${shape} values, got ${describe(target)}`);
    if (target.length !== expected) throw new RangeError(`${at}.target must have ${expected} values (${shape}), got ${target.length}`);
    checkFinite(`${at}.target`, target);
  }
}

function checkFinite(what: string, values: Float32Array): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}[${bad}] must be a finite number, got ${values[bad]}`);
}

export interface DatasetSplit {
  train: SequenceDataset;
  validation: SequenceDataset;
  /** Which examples of the original dataset each half holds, in the original order. */
  indices: { train: Int32Array; validation: Int32Array };
}

/**
 * Splits off a validation set: a seeded shuffle of the example indices, the first round(n · validation) of
 * them to validation, the rest to training; each half keeps the original order (batching shuffles anyway)
 * and every other field of the dataset. The examples are shared, not copied.
 */
export function splitDataset(dataset: SequenceDataset, options: { validation: number; seed?: number }): DatasetSplit {
  const o = checkObject("splitDataset options", options);
  checkKnownKeys("splitDataset", o, ["validation", "seed"]);
  const fraction = o.validation;
  if (typeof fraction !== "number" || !(fraction > 0 && fraction < 1)) {
    throw new RangeError(`splitDataset: validation must be a fraction in (0, 1), got ${describe(fraction)}`);
  }
  const d = checkDataset(dataset);
  const n = d.examples.length;
  const nValidation = Math.round(n * fraction);
  if (nValidation === 0 || nValidation === n) {
    throw new RangeError(`splitDataset: a validation fraction of ${fraction} of ${n} examples leaves ${nValidation === 0 ? "validation" : "training"} empty`);
  }
  const random = new Random(runtime(), (o.seed ?? 0) as number);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  try {
    random.shuffle(order);
  } finally {
    random.dispose();
  }
  const validation = order.slice(0, nValidation).sort();
  const train = order.slice(nValidation).sort();
  const pick = (idx: Int32Array): SequenceDataset => ({ ...d, examples: Array.from(idx, (i) => d.examples[i]) });
  return { train: pick(train), validation: pick(validation), indices: { train, validation } };
}
