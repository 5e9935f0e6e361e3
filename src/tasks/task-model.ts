// A trained model with what it needs to be used on raw data: the class labels, the vocabulary that turns
// text into token ids, the normalisation fitted on the training split, and (for forecasting) the window it
// was trained on. It is what a task model file holds (io/task-io.ts), and what `wasm-rnn predict` runs.

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { Sequential } from "../nn/sequential.js";
import { Vocabulary } from "../text/vocab.js";
import { Normalizer } from "../data/normalize.js";
import { windowLayout, type TimeSeries, type WindowLayout, type WindowOptions } from "../data/windows.js";
import { forecastDirect, forecastRecursive, type ForecastResult } from "../data/forecast.js";
import { argmaxRows } from "../train/metrics.js";
import { predictOutputs, predictProbabilities, type PredictOptions } from "./predict.js";
import type { QuantizeOptions } from "../quant/quantize.js";
import type { WeightType } from "../quant/weights.js";

export type TaskKind = "classify" | "tag" | "regress" | "forecast";

/** A task model's input: text (with a vocabulary), words (tagging), token ids or features [length · I]. */
export type TaskInput = string | readonly string[] | Int32Array | Float32Array;

export interface TaskModelInfo {
  task: TaskKind;
  /** classify, tag: the name of each class id (default "0", "1", …). */
  labels?: readonly string[];
  /** Token models: turns text (or a tagger's words) into ids. */
  vocab?: Vocabulary | null;
  /** Text inputs keep their first maxLength tokens (as in training). */
  maxLength?: number | null;
  /** Feature models: the inputs' standardisation (forecast: of the series' features). */
  normalizer?: Normalizer | null;
  /** regress: the targets' standardisation; outputs are mapped back through it. */
  targetNormalizer?: Normalizer | null;
  /** forecast: the windows the model was trained on. */
  window?: WindowOptions | null;
  /** forecast: values per step of the series (default: the normalizer's features). */
  features?: number | null;
  /** Anything JSON the writer wants back (the CLI keeps its field names here). */
  settings?: Record<string, unknown>;
}

export interface Classification {
  label: string;
  classId: number;
  /** Softmax over the classes, in class-id order. */
  probabilities: Float32Array;
}

export interface Tagging {
  /** The tokens the input was split into (text or words), or null for id / feature inputs. */
  tokens: string[] | null;
  labels: string[];
  classIds: Int32Array;
  /** [length · classes]. */
  probabilities: Float32Array;
}

export interface ForecastRequest {
  /** Steps to forecast: a direct model's horizon (default), or any number recursively for a step model. */
  steps?: number;
  /** The forecast steps' dates (default: the history's last interval continued). */
  dates?: readonly (Date | string)[];
  /** Future values of input features that are not predicted, [steps · features] on the original scale. */
  known?: Float32Array;
}

const INFO_KEYS = ["task", "labels", "vocab", "maxLength", "normalizer", "targetNormalizer", "window", "features", "settings"];

export class TaskModel {
  readonly task: TaskKind;
  readonly labels: readonly string[] | null;
  readonly vocab: Vocabulary | null;
  readonly maxLength: number | null;
  readonly normalizer: Normalizer | null;
  readonly targetNormalizer: Normalizer | null;
  readonly window: WindowOptions | null;
  readonly features: number | null;
  readonly settings: Record<string, unknown>;
  private readonly layout: WindowLayout | null;

  /** Checks that the pieces fit the model (labels per class, vocabulary within the embedding, …). */
  constructor(readonly model: Sequential, info: TaskModelInfo) {
    if (!(model instanceof Sequential)) throw new TypeError(`TaskModel: expected a Sequential model, got ${describe(model)}`);
    const o = checkObject("TaskModel info", info, "{ task, labels?, vocab?, … }");
    checkKnownKeys("TaskModel", o, INFO_KEYS);
    const task = o.task;
    if (task !== "classify" && task !== "tag" && task !== "regress" && task !== "forecast") {
      throw new TypeError(`TaskModel: task must be "classify", "tag", "regress" or "forecast", got ${describe(task)}`);
    }
    this.task = task;
    const C = model.outFeatures, pooled = model.outputKind === "pooled";
    const classes = task === "classify" || task === "tag";
    if (task === "classify" && !pooled) throw new TypeError("TaskModel: a classify model needs one output row per sequence (a Pool before its last Linear)");
    if (task === "tag" && pooled) throw new TypeError("TaskModel: a tag model needs outputs per step (no Pool)");
    this.labels = classes ? checkLabels(o.labels, C) : none("labels", o.labels, task);

    this.vocab = (o.vocab ?? null) as Vocabulary | null;
    if (this.vocab !== null) {
      if (!(this.vocab instanceof Vocabulary)) throw new TypeError(`TaskModel: vocab must be a Vocabulary, got ${describe(this.vocab)}`);
      if (model.inputKind !== "tokens") throw new TypeError("TaskModel: a vocabulary needs a model that takes token ids (an Embedding first)");
      if (this.vocab.size > model.inputSize) throw new RangeError(`TaskModel: the vocabulary has ${this.vocab.size} tokens, more than the model's embedding (${model.inputSize})`);
    }
    this.maxLength = o.maxLength === undefined || o.maxLength === null ? null : checkPositiveInt("TaskModel: maxLength", o.maxLength, 2 ** 31 - 1);

    this.normalizer = checkNormalizer("normalizer", o.normalizer);
    this.targetNormalizer = checkNormalizer("targetNormalizer", o.targetNormalizer);
    if (this.normalizer && model.inputKind !== "features") throw new TypeError("TaskModel: a normalizer needs a model that takes features");
    if (this.targetNormalizer && task !== "regress") throw new TypeError("TaskModel: a targetNormalizer is for regress models");
    if (this.targetNormalizer && this.targetNormalizer.features !== C) {
      throw new RangeError(`TaskModel: the targetNormalizer has ${this.targetNormalizer.features} features, the model ${C} outputs`);
    }

    if (task === "forecast") {
      if (o.window === undefined || o.window === null) throw new TypeError("TaskModel: a forecast model needs its window ({ lookback, horizon, targets, output, … })");
      if (model.inputKind !== "features") throw new TypeError("TaskModel: a forecast model takes features");
      const w = checkObject("TaskModel window", o.window, "{ lookback, horizon?, targets, output, … }");
      const features = o.features === undefined || o.features === null ? this.normalizer?.features : checkPositiveInt("TaskModel: features", o.features);
      if (features === undefined) throw new TypeError("TaskModel: a forecast model needs the series' features per step (features, or a normalizer)");
      if (this.normalizer && this.normalizer.features !== features) throw new RangeError(`TaskModel: features is ${features}, but the normalizer has ${this.normalizer.features}`);
      const layout = windowLayout(w, features, true);
      if (layout.inputSize !== model.inputSize) throw new RangeError(`TaskModel: the window gives ${layout.inputSize} values per step, the model takes ${model.inputSize}`);
      const K = layout.targets.length;
      if (layout.output === "direct" && (!pooled || C !== layout.horizon * K)) {
        throw new RangeError(`TaskModel: a direct forecast of ${layout.horizon} steps of ${K} target${K > 1 ? "s" : ""} needs a pooled model with ${layout.horizon * K} outputs; this one is ${model.outputKind} with ${C}`);
      }
      if (layout.output === "step" && (pooled || C !== K)) {
        throw new RangeError(`TaskModel: a step forecast of ${K} target${K > 1 ? "s" : ""} needs a per-step model with ${K} outputs; this one is ${model.outputKind} with ${C}`);
      }
      this.window = { ...(w as unknown as WindowOptions) };
      this.layout = layout;
      this.features = features;
    } else {
      none("window", o.window, task);
      none("features", o.features, task);
      this.window = null;
      this.layout = null;
      this.features = null;
    }
    const settings = o.settings ?? {};
    this.settings = checkObject("TaskModel settings", settings, "an object");
  }

  /** What this task model was built with (a TaskModel of another Sequential takes it as it is). */
  info(): TaskModelInfo {
    const info: TaskModelInfo = { task: this.task, vocab: this.vocab, maxLength: this.maxLength, normalizer: this.normalizer, targetNormalizer: this.targetNormalizer, settings: this.settings };
    if (this.labels) info.labels = this.labels;
    if (this.window) { info.window = this.window; info.features = this.features; }
    return info;
  }

  /** How the weight matrices are stored: "f32", or "int8" / "f16" for a copy made by quantize(). */
  get weightType(): WeightType {
    return this.model.weightType;
  }

  /**
   * A copy for inference with int8 or f16 weight matrices (see Sequential.quantize), with the same labels,
   * vocabulary, normalizers and window; classify/tag/regress/forecast work as before. This one is unchanged.
   */
  quantize(options: QuantizeOptions): TaskModel {
    const model = this.model.quantize(options);
    try {
      return new TaskModel(model, this.info());
    } catch (e) {
      model.dispose();
      throw e;
    }
  }

  /** Model inputs from raw ones: text through the vocabulary, features through the normalizer. */
  encode(inputs: readonly TaskInput[]): (Int32Array | Float32Array)[] {
    if (!Array.isArray(inputs)) throw new TypeError(`TaskModel: inputs must be an array, got ${describe(inputs)}`);
    return inputs.map((x, i) => this.encodeOne(x, i).ids);
  }

  /** The class of each input, with every class's probability. */
  classify(inputs: readonly TaskInput[], options?: PredictOptions): Classification[] {
    this.expect("classify", "classify");
    const probabilities = predictProbabilities(this.model, this.encode(inputs), options);
    return probabilities.map((p) => {
      const classId = argmaxRows(p, p.length)[0];
      return { label: this.labels![classId], classId, probabilities: p };
    });
  }

  /** A label for every step (token) of each input. */
  tag(inputs: readonly TaskInput[], options?: PredictOptions): Tagging[] {
    this.expect("tag", "tag");
    if (!Array.isArray(inputs)) throw new TypeError(`TaskModel.tag: inputs must be an array, got ${describe(inputs)}`);
    const encoded = inputs.map((x, i) => this.encodeOne(x, i));
    const probabilities = predictProbabilities(this.model, encoded.map((e) => e.ids), options);
    return probabilities.map((p, i) => {
      const classIds = argmaxRows(p, this.model.outFeatures);
      return { tokens: encoded[i].tokens, labels: Array.from(classIds, (c) => this.labels![c]), classIds, probabilities: p };
    });
  }

  /** The predicted values of each input on the targets' original scale: [outputs] or [length · outputs]. */
  regress(inputs: readonly TaskInput[], options?: PredictOptions): Float32Array[] {
    this.expect("regress", "regress");
    const outputs = predictOutputs(this.model, this.encode(inputs), options);
    return this.targetNormalizer ? outputs.map((y) => this.targetNormalizer!.inverse(y)) : outputs;
  }

  /** The steps after `history` (values on the original scale; the normalizer is applied both ways). */
  forecast(history: TimeSeries, request: ForecastRequest = {}): ForecastResult {
    this.expect("forecast", "forecast");
    const r = checkObject("TaskModel.forecast request", request);
    checkKnownKeys("TaskModel.forecast", r, ["steps", "dates", "known"]);
    const layout = this.layout!, n = this.normalizer;
    const h = checkObject("TaskModel.forecast: history", history, "{ values, features, dates? }") as unknown as TimeSeries;
    if (h.features !== this.features) throw new RangeError(`TaskModel.forecast: the history has ${describe(h.features)} features per step, the model was trained on ${this.features}`);
    const scaled: TimeSeries = n && h.values instanceof Float32Array ? { ...h, values: n.transform(h.values) } : h;
    const predict = (inputs: Float32Array[]) => predictOutputs(this.model, inputs);
    const window = this.window!;
    let result: ForecastResult;
    if (layout.output === "direct" && (r.steps === undefined || r.steps === layout.horizon)) {
      result = forecastDirect(predict, scaled, { ...window, ...(r.dates !== undefined ? { dates: r.dates as Date[] } : {}) });
    } else {
      if (layout.output === "direct" && layout.horizon !== 1) {
        throw new RangeError(`TaskModel.forecast: this model forecasts ${layout.horizon} steps at once (direct); steps must be ${layout.horizon}, got ${describe(r.steps)}`);
      }
      const steps = checkPositiveInt("TaskModel.forecast: steps", r.steps ?? 1);
      const known = r.known === undefined ? undefined : n ? n.transform(r.known as Float32Array) : (r.known as Float32Array);
      result = forecastRecursive(predict, scaled, { ...window, steps, ...(r.dates !== undefined ? { dates: r.dates as Date[] } : {}), ...(known ? { known } : {}) });
    }
    return n ? { ...result, values: n.inverse(result.values, layout.targets) } : result;
  }

  /** The information besides the weights, as JSON (what a task model file stores). */
  infoJSON(): Record<string, unknown> {
    return {
      task: this.task,
      labels: this.labels ? [...this.labels] : null,
      maxLength: this.maxLength,
      normalizer: this.normalizer ? this.normalizer.toJSON() : null,
      targetNormalizer: this.targetNormalizer ? this.targetNormalizer.toJSON() : null,
      window: this.window ? JSON.parse(JSON.stringify(this.window)) : null,
      features: this.features,
      settings: this.settings,
    };
  }

  dispose(): void {
    this.model.dispose();
  }

  private expect(method: string, task: TaskKind): void {
    if (this.task !== task) throw new TypeError(`TaskModel.${method}: this is a ${this.task} model`);
  }

  private encodeOne(x: TaskInput, i: number): { ids: Int32Array | Float32Array; tokens: string[] | null } {
    const what = `inputs[${i}]`;
    if (typeof x === "string" || Array.isArray(x)) {
      const v = this.vocab;
      if (!v) throw new TypeError(`TaskModel: ${what} is text, but this model has no vocabulary: pass ${this.model.inputKind === "tokens" ? "token ids (Int32Array)" : `features (Float32Array of [length · ${this.model.inputSize}])`}`);
      let tokens = typeof x === "string" ? v.tokenize(x) : [...x];
      tokens.forEach((t, j) => {
        if (typeof t !== "string") throw new TypeError(`TaskModel: ${what}[${j}] must be a string, got ${describe(t)}`);
      });
      if (this.maxLength !== null && tokens.length > this.maxLength) tokens = tokens.slice(0, this.maxLength);
      if (tokens.length === 0) throw new RangeError(`TaskModel: ${what} has no ${v.level === "word" ? "words" : "characters"}`);
      return { ids: Int32Array.from(tokens, (t) => v.idOf(t)), tokens };
    }
    if (x instanceof Float32Array && this.normalizer) {
      if (x.length % this.normalizer.features !== 0) throw new RangeError(`TaskModel: ${what} has ${x.length} values, not a multiple of the ${this.normalizer.features} features per step`);
      return { ids: this.normalizer.transform(x), tokens: null };
    }
    if (x instanceof Int32Array) {
      const C = this.model.inputSize;
      const bad = x.findIndex((id) => id < 0 || id >= C);
      if (bad >= 0) throw new RangeError(`TaskModel: ${what}[${bad}] is token id ${x[bad]}, outside the vocabulary [0, ${C})`);
    }
    return { ids: x as Int32Array | Float32Array, tokens: null };
  }
}

function checkLabels(labels: unknown, classes: number): string[] {
  if (labels === undefined || labels === null) return Array.from({ length: classes }, (_, i) => String(i));
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) throw new TypeError(`TaskModel: labels must be an array of strings, got ${describe(labels)}`);
  if (labels.length !== classes) throw new RangeError(`TaskModel: there are ${labels.length} labels, but the model has ${classes} classes`);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new RangeError(`TaskModel: label ${JSON.stringify(twice)} appears twice`);
  return [...labels];
}

function checkNormalizer(what: string, n: unknown): Normalizer | null {
  if (n === undefined || n === null) return null;
  if (!(n instanceof Normalizer)) throw new TypeError(`TaskModel: ${what} must be a Normalizer, got ${describe(n)}`);
  return n;
}

function none(what: string, value: unknown, task: TaskKind): null {
  if (value !== undefined && value !== null) throw new TypeError(`TaskModel: a ${task} model has no ${what}`);
  return null;
}
