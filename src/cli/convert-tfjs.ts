// `wasm-rnn convert` to and from TensorFlow.js: a tfjs "layers-model" folder (model.json + shards) in becomes
// a .wrnn language model or task model (whichever holds it; anything else is refused, naming the layer), and
// a model out to a folder (an <out> ending in "/", an existing folder, or a path ending in model.json) is
// written as model.json + weights.bin. The hook in convert.ts calls convertTfjs first.

import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { init, saveModel } from "../node.js";
import { loadTfjsFolder, saveTfjsFolder } from "../tfjs/node.js";
import { toWasmRnnModel } from "../tfjs/to-model.js";
import { saveTaskModel } from "../tasks/node.js";
import { fail } from "./errors.js";
import { prepareOutput } from "./outputs.js";
import { isTaskModelFile } from "./model-kind.js";
import { loadTask } from "./task-use.js";
import { describeModel, describeTaskModel, loadModelFile, type ModelLoadOptions } from "./convert.js";

const isDir = async (p: string) => (await stat(p).catch(() => null))?.isDirectory() === true;

/** A tfjs model: a folder holding model.json, or a model.json file. */
async function isTfjsInput(path: string): Promise<boolean> {
  if (basename(path) === "model.json") return true;
  return (await isDir(path)) && (await stat(join(path, "model.json")).catch(() => null)) !== null;
}

async function isTfjsOutput(path: string): Promise<boolean> {
  return path.endsWith("/") || basename(path) === "model.json" || (await isDir(path));
}

/** Handles the conversion when either side is a tfjs folder; false when neither is (convert's own formats). */
export async function convertTfjs(input: string, output: string, options: ModelLoadOptions & { force?: boolean }): Promise<boolean> {
  const fromTfjs = await isTfjsInput(input), toTfjs = await isTfjsOutput(output);
  if (!fromTfjs && !toTfjs) return false;
  if (fromTfjs && toTfjs) fail(`${input} and ${output} are both TensorFlow.js folders: give a .wrnn (or .safetensors) file on one side`);
  if (options.vocab || options.cellVariant || options.nonlinearity) fail("--vocab, --cell-variant and --nonlinearity are not used with TensorFlow.js folders (model.json records the configuration)");
  await init();
  return fromTfjs ? fromFolder(input, output, options) : toFolder(input, output.replace(/\/model\.json$/, ""), options);
}

async function fromFolder(input: string, output: string, options: { force?: boolean; allowNonFinite?: boolean }): Promise<true> {
  await prepareOutput(output, { what: "the converted model", force: options.force ?? false, alternative: "give another <out> path" });
  const folder = basename(input) === "model.json" ? dirname(input) : input;
  const tfjs = await loadTfjsFolder(folder, { allowNonFinite: options.allowNonFinite ?? false });
  let converted;
  try {
    converted = toWasmRnnModel(tfjs.plan);
  } catch (e) {
    fail(`cannot convert ${input}: ${(e as Error).message} (it still runs with loadTfjs from wasm-rnn/tfjs)`);
  } finally {
    tfjs.dispose();
  }
  if (converted.kind === "language-model") {
    try {
      await saveModel(output, converted.lm, null);
      process.stdout.write(`wrote ${output}: ${describeModel(converted.lm, null)}\n`);
      process.stderr.write(`wasm-rnn: note: a TensorFlow.js model has no vocabulary, so ${output} has none; generate and eval will need --vocab\n`);
    } finally {
      converted.lm.dispose();
    }
  } else {
    try {
      await saveTaskModel(output, converted.model);
      process.stdout.write(`wrote ${output}: ${describeTaskModel(converted.model)}\n`);
    } finally {
      converted.model.dispose();
    }
  }
  return true;
}

async function toFolder(input: string, folder: string, options: ModelLoadOptions & { force?: boolean }): Promise<true> {
  if (await isDir(folder)) {
    const existing = (await readdir(folder)).filter((f) => f === "model.json" || f === "weights.bin");
    if (existing.length > 0 && !options.force) fail(`${join(folder, existing[0])} already exists: pass --force to replace it, or give another folder`);
  }
  const task = await isTaskModelFile(input);
  const model = task ? await loadTask(input, options) : (await loadModelFile(input, options)).lm;
  try {
    const { notes, modelJson } = await saveTfjsFolder(folder, model);
    const layers = (modelJson.modelTopology.config as { layers: { class_name: string }[] }).layers.map((l) => l.class_name);
    process.stdout.write(`wrote ${join(folder, "model.json")} and weights.bin: ${layers.join(" → ")}\n`);
    for (const note of notes) process.stderr.write(`wasm-rnn: note: ${note}\n`);
  } catch (e) {
    fail(`cannot convert ${input} to TensorFlow.js: ${(e as Error).message}`);
  } finally {
    model.dispose();
  }
  return true;
}
