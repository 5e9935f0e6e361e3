// `wasm-rnn convert <in> <out>`: between our model format (.wrnn, checkpoints) and safetensors, e.g. to
// import PyTorch weights saved with safetensors; language models and task models (wasm-rnn fit's) alike.
// Also the language-model loader shared by generate and eval.

import { Command, Option } from "commander";
import { init, decodeModel, decodeSafetensorsModel, saveModel, Vocabulary, type TextModel, type LanguageModel } from "../node.js";
import { readFileBytes } from "../io/files.js";
import { looksLikeModelFile } from "../io/format.js";
import { looksLikeSafetensors } from "../io/safetensors.js";
import type { LanguageModelOptions } from "../lm/config.js";
import { fail } from "./errors.js";
import { prepareOutput } from "./outputs.js";
import { filePath } from "./values.js";
import { isTaskModelFile, refuseLanguageModelFlags } from "./model-kind.js";
import { givenFlags } from "./given-flags.js";
import { saveTaskModel, type TaskModel } from "../tasks/node.js";
import { describeModules } from "./task-settings.js";
import { loadTask } from "./task-use.js";
import { addOnnxOptions, convertOnnxIfAsked } from "./convert-onnx.js";
import { convertTfjs } from "./convert-tfjs.js";

export interface ModelLoadOptions {
  /** A Vocabulary JSON file, for models that carry none (or to replace theirs). */
  vocab?: string;
  /** For safetensors without wasm-rnn metadata: what the shapes cannot tell. */
  cellVariant?: "reset-after" | "reset-before";
  nonlinearity?: "tanh" | "relu";
  /** Load weights holding NaN or ±Infinity (refused by default). */
  allowNonFinite?: boolean;
}

/** Adds --vocab, --cell-variant and --nonlinearity to a command that reads a model. */
export function addModelLoadOptions(command: Command): Command {
  return command
    .option("--vocab <vocab.json>", "a vocabulary JSON file ({ level, unk, tokens }) for a model that has none, e.g. bare PyTorch safetensors", filePath)
    .addOption(new Option("--cell-variant <form>", "GRU form of safetensors weights without wasm-rnn metadata (PyTorch's nn.GRU is reset-after)").choices(["reset-after", "reset-before"]))
    .addOption(new Option("--nonlinearity <fn>", "RNN nonlinearity of safetensors weights without wasm-rnn metadata").choices(["tanh", "relu"]))
    .option("--allow-non-finite", "load a model whose weights hold NaN or Infinity (refused by default: every output would be NaN)");
}

/** Loads a .wrnn model, a checkpoint (its model) or a safetensors file. */
export async function loadModelFile(path: string, options: ModelLoadOptions = {}): Promise<TextModel> {
  await init();
  const bytes = await readFileBytes(path, "model file");
  const vocab = options.vocab === undefined ? undefined : await readVocabulary(options.vocab);
  const config: Partial<LanguageModelOptions> = {};
  if (options.cellVariant) config.resetAfter = options.cellVariant === "reset-after";
  if (options.nonlinearity) config.nonlinearity = options.nonlinearity;
  let model: TextModel;
  if (looksLikeSafetensors(bytes) && !looksLikeModelFile(bytes)) {
    model = decodeSafetensorsModel(bytes, path, { config, allowNonFinite: options.allowNonFinite ?? false, ...(vocab ? { vocab } : {}) });
  } else {
    if (Object.keys(config).length > 0) fail(`--cell-variant and --nonlinearity are for safetensors files; ${path} is a wasm-rnn model file, which records its configuration`);
    model = await decodeModel(bytes, path, { allowNonFinite: options.allowNonFinite ?? false }); // a model, or a checkpoint's model part
    if (vocab) model.vocab = vocab;
  }
  if (model.vocab && model.vocab.size !== model.lm.config.vocabSize) {
    const size = model.lm.config.vocabSize;
    model.lm.dispose();
    fail(`the vocabulary${vocab ? ` in ${options.vocab}` : ""} has ${model.vocab.size} tokens but the model ${path} has ${size} outputs`);
  }
  return model;
}

/** Like loadModelFile, but a vocabulary is required (to turn text into ids and back). */
export async function loadModelWithVocab(path: string, options: ModelLoadOptions = {}): Promise<{ lm: LanguageModel; vocab: Vocabulary }> {
  const { lm, vocab } = await loadModelFile(path, options);
  if (!vocab) {
    lm.dispose();
    fail(`${path} has no vocabulary (bare PyTorch weights?): pass --vocab <vocab.json>, a file { "level": "char" | "word", "unk": "<unk>", "tokens": [...] } listing the tokens in id order`);
  }
  return { lm, vocab };
}

export async function readVocabulary(path: string): Promise<Vocabulary> {
  const bytes = await readFileBytes(path, "vocabulary file");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    fail(`vocabulary file ${path} is not JSON: ${(e as Error).message}`);
  }
  try {
    return Vocabulary.fromJSON(json);
  } catch (e) {
    fail(`vocabulary file ${path}: ${(e as Error).message}`);
  }
}

/** "LSTM, hidden 256, 2 layers, embedding 32, vocabulary 55 (char)". */
export function describeModel(lm: LanguageModel, vocab: Vocabulary | null): string {
  const c = lm.config;
  const cell = c.cell === "gru" ? `GRU${c.resetAfter ? "" : " (reset-before)"}` : c.cell === "rnn" ? `RNN (${c.nonlinearity})` : "LSTM";
  const parts = [
    cell,
    `hidden ${c.hiddenSize}`,
    `${c.numLayers} layer${c.numLayers === 1 ? "" : "s"}${c.bidirectional ? ", bidirectional" : ""}`,
    c.embedSize === null ? "one-hot input" : `embedding ${c.embedSize}`,
    vocab ? `vocabulary ${vocab.size} (${vocab.level})` : `${c.vocabSize} outputs, no vocabulary`,
    `${lm.parameterCount.toLocaleString("en-US")} parameters${lm.weightType === "f32" ? "" : ` (${lm.weightType} weights)`}`,
  ];
  return parts.join(", ");
}

/**
 * "classify, 2 labels: neg, pos; embedding 32 (vocabulary 24) → GRU 32 → mean pool → linear 2; 7,170 parameters";
 * a forecaster: "forecast of sales (lookback 14, 7 steps at once; 2 columns per row); …".
 */
export function describeTaskModel(model: TaskModel): string {
  const m = model.model;
  let what: string;
  switch (model.task) {
    case "classify":
    case "tag": {
      const labels = model.labels ?? [], shown = labels.slice(0, 8).join(", ");
      const noun = model.task === "tag" ? "tag" : "label";
      what = `${model.task}, ${labels.length} ${noun}${labels.length === 1 ? "" : "s"}: ${shown}${labels.length > 8 ? ", …" : ""}`;
      break;
    }
    case "regress":
      what = `regress${m.outputKind === "sequence" ? " (per step)" : ""}`;
      break;
    case "forecast": {
      const w = model.window!, fields = model.settings.fields as { targets?: unknown } | undefined;
      const targets = Array.isArray(fields?.targets) ? fields.targets.join(", ") : `${w.targets.length} column${w.targets.length === 1 ? "" : "s"}`;
      const F = model.features ?? 1;
      const ahead = w.output === "step" ? "a step at a time" : `${w.horizon ?? 1} step${(w.horizon ?? 1) === 1 ? "" : "s"} at once`;
      what = `forecast of ${targets} (lookback ${w.lookback}, ${ahead}; ${F} column${F === 1 ? "" : "s"} per row)`;
      break;
    }
  }
  return `${what}; ${describeModules(m.modules)}; ${m.parameterCount.toLocaleString("en-US")} parameters${m.weightType === "f32" ? "" : ` (${m.weightType} weights)`}`;
}

export function registerConvert(program: Command): void {
  const command = program
    .command("convert")
    .description("convert a language model or a task model (wasm-rnn fit's) between wasm-rnn's format (.wrnn, checkpoints), safetensors, ONNX and TensorFlow.js layers-model folders (the extensions decide)")
    .argument("<in>", "a .wrnn model, a checkpoint (its model is converted), a .safetensors file, an .onnx graph or a TensorFlow.js folder (model.json + weights)", filePath)
    .argument("<out>", "the file to write: .safetensors for safetensors, .onnx for ONNX, a folder (ending in / or model.json) for TensorFlow.js, anything else for wasm-rnn's format", filePath)
    .option("--force", "replace <out> if it exists");
  addOnnxOptions(addModelLoadOptions(command)).action(async (input: string, output: string, options: ModelLoadOptions & { force?: boolean }, cmd: Command) => {
    if (await convertTfjs(input, output, options)) return; // either side a TensorFlow.js folder
    if (await convertOnnxIfAsked(input, output, options, { given: givenFlags(cmd), loadLanguageModel: (p) => loadModelFile(p, options), readVocabulary, describeModel, describeTaskModel })) return;
    const task = await isTaskModelFile(input);
    if (task) refuseLanguageModelFlags(givenFlags(cmd), input);
    await prepareOutput(output, { what: "the converted model", force: options.force ?? false, alternative: "give another <out> path" });
    if (task) {
      await init();
      const model = await loadTask(input, options);
      try {
        await saveTaskModel(output, model);
        process.stdout.write(`wrote ${output}: ${describeTaskModel(model)}\n`);
      } finally {
        model.dispose();
      }
      return;
    }
    const { lm, vocab } = await loadModelFile(input, options);
    try {
      await saveModel(output, lm, vocab);
      process.stdout.write(`wrote ${output}: ${describeModel(lm, vocab)}\n`);
      if (!vocab) process.stderr.write(`wasm-rnn: note: ${input} has no vocabulary, so ${output} has none either; generate and eval will need --vocab\n`);
    } finally {
      lm.dispose();
    }
  });
}
