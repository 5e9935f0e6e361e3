// `wasm-rnn convert` to and from ONNX: a .wrnn model (language model or task model) → .onnx with exportOnnx,
// and an .onnx graph → .wrnn with liftOnnx. What liftOnnx builds is saved as the model kind it is: a
// LanguageModel as a language model file; a Sequential as a task model (pooled output: classify; per-step
// output of token ids: tag; otherwise regress); a single recurrent layer as a regress task model of that one
// module, which records in its settings that it takes initial states, so converting it back writes h0 / c0.

import { basename } from "node:path";
import { Option, type Command } from "commander";
import { init, saveModel, Vocabulary } from "../node.js";
import { readFileBytes, writeFileAtomic } from "../io/files.js";
import { exportOnnx, type ExportableModel } from "../onnx/export.js";
import { liftOnnx, type LiftedOnnx } from "../onnx/lift.js";
import { decodeOnnx } from "../onnx/model.js";
import { Sequential } from "../nn/sequential.js";
import { layerOptions } from "../nn/recurrent-config.js";
import { saveTaskModel, TaskModel } from "../tasks/node.js";
import { fail } from "./errors.js";
import { prepareOutput } from "./outputs.js";
import { isTaskModelFile, refuseLanguageModelFlags } from "./model-kind.js";
import { loadTask } from "./task-use.js";

export const isOnnxPath = (path: string): boolean => /\.onnx$/i.test(path);

export interface OnnxConvertOptions {
  force?: boolean;
  task?: "classify" | "tag" | "regress";
  labels?: string;
  vocab?: string;
  cellVariant?: string;
  nonlinearity?: string;
  allowNonFinite?: boolean;
  states?: boolean;
}

export interface OnnxConvertHelpers {
  given: (key: string) => boolean;
  loadLanguageModel: (path: string) => Promise<{ lm: import("../lm/model.js").LanguageModel; vocab: Vocabulary | null }>;
  readVocabulary: (path: string) => Promise<Vocabulary>;
  describeModel: (lm: import("../lm/model.js").LanguageModel, vocab: Vocabulary | null) => string;
  describeTaskModel: (model: TaskModel) => string;
}

/** The flags of ONNX conversions: --states for ONNX output, --task and --labels for ONNX input. */
export function addOnnxOptions(command: Command): Command {
  return command
    .option("--states", "ONNX output: initial states as inputs (h0, c0) and final states as outputs (hN, cN)")
    .addOption(new Option("--task <task>", "ONNX input: the task of a task model (default: classify for one output per sequence, tag for token ids per step, else regress)").choices(["classify", "tag", "regress"]))
    .option("--labels <names>", "ONNX input: a classify or tag model's class names, a,b,c (default 0, 1, …)");
}

const ONNX_FLAGS = ["states", "task", "labels"] as const;

/** Converts when <in> or <out> ends in .onnx (and says so); refuses the ONNX flags for other conversions. */
export async function convertOnnxIfAsked(input: string, output: string, options: OnnxConvertOptions, h: OnnxConvertHelpers): Promise<boolean> {
  if (!isOnnxPath(input) && !isOnnxPath(output)) {
    const given = ONNX_FLAGS.find((k) => h.given(k));
    if (given) fail(`--${given} is for conversions to or from ONNX (.onnx); ${input} → ${output} is not one`);
    return false;
  }
  if (isOnnxPath(input) && isOnnxPath(output)) fail(`convert reads or writes ONNX, not both: ${input} and ${output} are both .onnx`);
  await prepareOutput(output, { what: "the converted model", force: options.force ?? false, alternative: "give another <out> path" });
  await init();
  if (isOnnxPath(output)) await toOnnx(input, output, options, h);
  else await fromOnnx(input, output, options, h);
  return true;
}

async function toOnnx(input: string, output: string, options: OnnxConvertOptions, h: OnnxConvertHelpers): Promise<void> {
  for (const key of ["task", "labels"] as const) if (h.given(key)) fail(`--${key} is for ONNX input; ${output} is ONNX output`);
  let model: (ExportableModel & { dispose(): void; weightType: string });
  let states = options.states ?? false;
  let sequenceLens: boolean | undefined;
  if (await isTaskModelFile(input)) {
    refuseLanguageModelFlags(h.given, input);
    const task = await loadTask(input, options);
    // a model lifted from ONNX gets back the inputs its graph had
    const onnx = task.settings.onnx as { states?: unknown; sequenceLens?: unknown } | undefined;
    if (options.states === undefined && onnx?.states === true) states = true;
    if (onnx?.sequenceLens === false) sequenceLens = false;
    model = task;
  } else {
    model = (await h.loadLanguageModel(input)).lm;
  }
  try {
    let bytes: Uint8Array;
    try {
      bytes = exportOnnx(model, { states, ...(sequenceLens === undefined ? {} : { sequenceLens }) });
    } catch (e) {
      fail(`${input}: ${(e as Error).message}${/option states/.test((e as Error).message) ? " (drop --states)" : ""}`);
    }
    await writeFileAtomic(output, bytes);
    process.stdout.write(`wrote ${output}: ONNX opset 14, ${signature(bytes)}\n`);
    if (model.weightType !== "f32") process.stderr.write(`wasm-rnn: note: ${input} has ${model.weightType} weights; ${output} holds the f32 values they stand for\n`);
  } finally {
    model.dispose();
  }
}

/** "tokens [seq, batch] int64 → logits [seq, batch, 20]". */
function signature(bytes: Uint8Array): string {
  const g = decodeOnnx(bytes);
  const list = (vs: typeof g.inputs) => vs.map((v) => `${v.name} [${(v.shape ?? []).join(", ")}] ${v.dtype}`).join(", ");
  return `${list(g.inputs)} → ${list(g.outputs)}`;
}

async function fromOnnx(input: string, output: string, options: OnnxConvertOptions, h: OnnxConvertHelpers): Promise<void> {
  for (const key of ["cellVariant", "nonlinearity", "states"] as const) {
    if (h.given(key)) fail(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is not for ONNX input: ${input} records its configuration`);
  }
  const bytes = await readFileBytes(input, "ONNX model");
  let lifted: LiftedOnnx;
  try {
    lifted = liftOnnx(bytes);
  } catch (e) {
    fail(`${input}: ${(e as Error).message}`);
  }
  const settings = { onnx: { source: basename(input), states: lifted.io.h0 !== null, sequenceLens: lifted.io.lengths !== null } };
  if (lifted.kind === "language-model") {
    const { lm } = lifted;
    try {
      if (lifted.io.lengths) fail(`${input}: takes sequence_lens, which a language model does not`);
      for (const key of ["task", "labels"] as const) if (h.given(key)) fail(`--${key} is for task models; ${input} holds a language model`);
      const vocab = options.vocab === undefined ? null : await h.readVocabulary(options.vocab);
      if (vocab && vocab.size !== lm.config.vocabSize) fail(`the vocabulary in ${options.vocab} has ${vocab.size} tokens but the model ${input} has ${lm.config.vocabSize} outputs`);
      await saveModel(output, lm, vocab);
      process.stdout.write(`wrote ${output}: ${h.describeModel(lm, vocab)} (a language model, from ${input})\n`);
      if (!vocab) process.stderr.write(`wasm-rnn: note: ${input} has no vocabulary, so ${output} has none either; generate and eval will need --vocab\n`);
    } finally {
      lm.dispose();
    }
    return;
  }
  if (h.given("vocab")) fail(`--vocab is for language models; ${input} holds a ${lifted.kind === "layer" ? "recurrent layer" : "Sequential model"}`);
  let model: Sequential;
  if (lifted.kind === "layer") {
    const { layer } = lifted;
    // a task model is time-major: a batch-first graph's layer takes [T, B, I] there (and exports so)
    if (layer.config.batchFirst) process.stderr.write(`wasm-rnn: note: ${input} takes batch-first input; the task model in ${output} is time-major ([seq, batch, features]), as every task model\n`);
    try {
      const c = layer.config, type = c.cell === "lstm" ? "LSTM" : c.cell === "gru" ? "GRU" : "RNN";
      const { batchFirst: _b, seed: _s, dropout: _d, ...rest } = layerOptions(c);
      model = Sequential.fromConfig([{ name: "rnn", type, ...rest } as never]);
      const params = layer.torchParams();
      model.loadTorchParams(Object.fromEntries(Object.entries(params).map(([k, v]) => [`rnn.${k}`, v])));
    } finally {
      layer.dispose();
    }
  } else {
    model = lifted.model;
  }
  model.eval();
  const task = options.task ?? (model.outputKind === "pooled" ? "classify" : model.inputKind === "tokens" ? "tag" : "regress");
  const labels = options.labels === undefined ? undefined : options.labels.split(",").map((l) => l.trim());
  if (labels && task === "regress") {
    model.dispose();
    fail("--labels is for classify and tag models");
  }
  let taskModel: TaskModel;
  try {
    taskModel = new TaskModel(model, { task, settings, ...(labels ? { labels } : {}) });
  } catch (e) {
    model.dispose();
    fail(`${input} as a ${task} model: ${(e as Error).message.replace(/^TaskModel: /, "")}`);
  }
  try {
    await saveTaskModel(output, taskModel);
    const what = lifted.kind === "layer" ? `a ${task} task model of the one recurrent layer` : `a ${task} task model`;
    process.stdout.write(`wrote ${output}: ${h.describeTaskModel(taskModel)} (${what}, from ${input})\n`);
  } finally {
    taskModel.dispose();
  }
}
