// Models and checkpoints by file path (Node, Deno, Bun): the byte formats of model-io.ts written atomically.

import { writeFileAtomic, readFileBytes } from "./files.js";
import {
  decodeCheckpoint, decodeModel, encodeCheckpoint, encodeModel, encodeSafetensorsModel, type Checkpoint, type DecodeOptions, type TextModel,
} from "./model-io.js";
import type { LanguageModel } from "../lm/model.js";
import type { Vocabulary } from "../text/vocab.js";
import type { Trainer } from "../train/trainer.js";

/** Saves atomically; a path ending in .safetensors gets safetensors, anything else our format. */
export async function saveModel(path: string, lm: LanguageModel, vocab: Vocabulary | null = null): Promise<void> {
  const bytes = path.endsWith(".safetensors") ? encodeSafetensorsModel(lm, vocab) : await encodeModel(lm, vocab);
  await writeFileAtomic(path, bytes);
}

export async function loadModel(path: string, options: DecodeOptions = {}): Promise<TextModel> {
  return decodeModel(await readFileBytes(path, "model file"), path, options);
}

export async function saveCheckpoint(path: string, lm: LanguageModel, vocab: Vocabulary | null, trainer: Trainer, settings: Record<string, unknown> = {}): Promise<void> {
  await writeFileAtomic(path, await encodeCheckpoint(lm, vocab, trainer, settings));
}

export async function loadCheckpoint(path: string, options: DecodeOptions = {}): Promise<Checkpoint> {
  return decodeCheckpoint(await readFileBytes(path, "checkpoint"), path, options);
}
