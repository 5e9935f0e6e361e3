// Using a trained task model on a data file (predict, eval): its data fields (as stored by fit, or changed by
// flags), and the model's inputs and labelled datasets read with what the model learnt (its vocabulary,
// labels and normalisation), so a row the model cannot take is refused with the file, line and field.

import type { Command } from "commander";
import {
  loadTaskModel, taggingDataset, textClassificationDataset,
  type SequenceDataset, type TaskInput, type TaskModel,
} from "../tasks/node.js";
import { fail, CliError } from "./errors.js";
import { at, type Table } from "./task-table.js";
import { checkLabels, classifyRecords, regressRecords, tagRecords } from "./task-records.js";
import { nameList, type FieldNames, type Fields } from "./task-settings.js";

/** The field flags of predict and eval; forecast's --target and --features name columns "a,b". */
export interface FieldFlags extends FieldNames {
  date?: string;
  features?: string;
}

/** The keys of the field flags, in the order of their options (eval names the first one given). */
export const FIELD_FLAGS = ["text", "label", "tokens", "tags", "input", "target", "date", "features"] as const;

/** The field flags of predict and eval: no defaults, as the model's own field names are the default. */
export function addFieldOptions(command: Command): Command {
  return command
    .option("--text <field>", "classify: the input field (default: the model's, as fit was told)")
    .option("--label <field>", "classify: the label field")
    .option("--tokens <field>", "tag: the tokens field")
    .option("--tags <field>", "tag: the tags field")
    .option("--input <field>", "regress: the input field")
    .option("--target <field>", "regress: the target field; forecast: the target column(s), a,b")
    .option("--date <column>", "forecast: the date column")
    .option("--features <columns>", "forecast: the extra input columns, a,b");
}

/** Loads a task model file (or a fit checkpoint's model); its file errors are one line already. */
export async function loadTask(path: string, options: { allowNonFinite?: boolean } = {}): Promise<TaskModel> {
  return loadTaskModel(path, { allowNonFinite: options.allowNonFinite ?? false });
}

const string = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === "string" && x !== "") ? v as string[] : undefined);

/** The model's fields (stored by fit; a model from the library gets fit's defaults), flags first. */
export function modelFields(model: TaskModel, f: FieldFlags, path: string): Fields {
  const raw = model.settings.fields;
  const stored = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  switch (model.task) {
    case "classify": return { text: f.text ?? string(stored.text) ?? "text", label: f.label ?? string(stored.label) ?? "label" };
    case "tag": return { tokens: f.tokens ?? string(stored.tokens) ?? "tokens", tags: f.tags ?? string(stored.tags) ?? "tags" };
    case "regress": return { input: f.input ?? string(stored.input) ?? "input", target: f.target ?? string(stored.target) ?? "target" };
    case "forecast": {
      const targets = f.target !== undefined ? nameList(f.target, "--target") : strings(stored.targets);
      const features = f.features !== undefined ? nameList(f.features, "--features") : strings(stored.features) ?? [];
      const date = f.date ?? (stored.date === null ? null : string(stored.date) ?? null);
      const K = model.window!.targets.length, F = model.features!;
      if (!targets) fail(`${path} does not name its columns (it was not written by wasm-rnn fit): give --target <column${K > 1 ? "s" : ""}> for its ${K} target${K > 1 ? "s" : ""}${F > K ? ` and --features for its ${F - K} other input${F - K > 1 ? "s" : ""}` : ""}`);
      if (targets.length !== K) fail(`${path} forecasts ${K} column${K > 1 ? "s" : ""}, but --target names ${targets.length}`);
      if (targets.length + features.length !== F) fail(`${path} reads ${F} columns per row (${K} target${K > 1 ? "s" : ""} and ${F - K} other${F - K === 1 ? "" : "s"}), but --target and --features name ${targets.length + features.length}`);
      if (model.window!.calendar && model.window!.calendar.length > 0 && date === null) fail(`${path} uses calendar features (${model.window!.calendar.join(", ")}): name the date column with --date <column>`);
      return { targets, features, date };
    }
  }
}

/** The regress model's shape: inputs per step, outputs, and whether they are per step. */
function regressShape(model: TaskModel) {
  return { inputs: model.normalizer?.features ?? model.model.inputSize, outputs: model.model.outFeatures, perStep: model.model.outputKind === "sequence" };
}

/** Classify inputs: text for a model with a vocabulary, sequences for one that takes features. */
function classifyInputs(table: Table, model: TaskModel, fields: Fields, labelled: boolean) {
  const features = model.vocab ? undefined : model.model.inputSize;
  const r = classifyRecords(table, fields, labelled, features);
  const row = table.rows[0], name = fields.text!;
  if (r.inputs.kind === "text" && !model.vocab) fail(`${at(table, row, name)}: the model classifies sequences of ${model.model.inputSize} number${model.model.inputSize > 1 ? "s" : ""} per step, not text`);
  if (r.inputs.kind === "sequence" && model.vocab) fail(`${at(table, row, name)}: the model classifies text, not sequences of numbers`);
  return r;
}

/** What the model's predict methods take, one per row. */
export function modelInputs(table: Table, model: TaskModel, fields: Fields): TaskInput[] {
  switch (model.task) {
    case "classify": {
      const { inputs } = classifyInputs(table, model, fields, false);
      return inputs.kind === "text" ? inputs.texts : inputs.sequences.map((s) => s.values);
    }
    case "tag": return tagRecords(table, fields, false).tokens;
    case "regress": {
      const shape = regressShape(model);
      return regressRecords(table, fields, shape.perStep, false, { inputs: shape.inputs }).inputs.map((s) => s.values);
    }
    case "forecast": throw new Error("modelInputs: a forecast reads a series");
  }
}

/** A labelled dataset on the model's scale (ids, standardised values) for evaluateModel; labels checked. */
export function labelledDataset(table: Table, model: TaskModel, fields: Fields): SequenceDataset {
  const rows = table.rows;
  const limit = model.maxLength !== null ? { maxLength: model.maxLength } : {};
  const wrap = <T>(build: () => T): T => {
    try {
      return build();
    } catch (e) {
      if (e instanceof CliError) throw e;
      fail((e as Error).message.replace(/^records\[(\d+)\]/, (_, i: string) => `${table.path} line ${rows[Number(i)].line}`));
    }
  };
  switch (model.task) {
    case "classify": {
      const r = classifyInputs(table, model, fields, true);
      checkLabels(table, rows, r.labels!, fields.label!, model.labels!);
      if (r.inputs.kind === "text") {
        const texts = r.inputs.texts;
        return wrap(() => textClassificationDataset(texts.map((text, i) => ({ text, label: r.labels![i] })), { vocab: model.vocab!, labels: [...model.labels!], ...limit })).dataset;
      }
      const classOf = new Map(model.labels!.map((l, i) => [l, i]));
      return {
        task: "classify", inputKind: "features", inputSize: model.model.inputSize, outFeatures: model.labels!.length, perStep: false,
        examples: r.inputs.sequences.map((s, i) => ({ input: model.normalizer ? model.normalizer.transform(s.values) : s.values, target: classOf.get(r.labels![i])! })),
      };
    }
    case "tag": {
      const r = tagRecords(table, fields, true);
      r.tags!.forEach((tags, i) => checkLabels(table, tags.map(() => rows[i]), tags, fields.tags!, model.labels!, true));
      return wrap(() => taggingDataset(r.tokens.map((tokens, i) => ({ tokens, tags: r.tags![i] })), { vocab: model.vocab!, labels: [...model.labels!], ...limit })).dataset;
    }
    case "regress": {
      const shape = regressShape(model);
      const r = regressRecords(table, fields, shape.perStep, true, { inputs: shape.inputs, outputs: shape.outputs });
      return {
        task: "regress", inputKind: "features", inputSize: model.model.inputSize, outFeatures: shape.outputs, perStep: shape.perStep,
        examples: r.inputs.map((s, i) => ({
          input: model.normalizer ? model.normalizer.transform(s.values) : s.values,
          target: model.targetNormalizer ? model.targetNormalizer.transform(r.targets![i].values) : r.targets![i].values,
        })),
      };
    }
    case "forecast": throw new Error("labelledDataset: a forecast is scored on windows of a series");
  }
}
