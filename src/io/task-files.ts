// Task models and checkpoints by file path (Node, Deno, Bun): the byte formats of task-io.ts written atomically
// (a failed save leaves the previous file as it was).

import { readFileBytes, writeFileAtomic } from "./files.js";
import {
  decodeTaskCheckpoint, decodeTaskModel, encodeTaskCheckpoint, encodeTaskModel, encodeTaskSafetensors,
  type TaskCheckpoint, type TaskDecodeOptions,
} from "./task-io.js";
import type { TaskModel } from "../tasks/task-model.js";
import type { TaskTrainer } from "../train/task-trainer.js";

/** Saves atomically; a path ending in .safetensors gets safetensors (weights and metadata), anything else our format. */
export async function saveTaskModel(path: string, model: TaskModel): Promise<void> {
  const bytes = path.endsWith(".safetensors") ? encodeTaskSafetensors(model) : await encodeTaskModel(model);
  await writeFileAtomic(path, bytes);
}

export async function loadTaskModel(path: string, options: TaskDecodeOptions = {}): Promise<TaskModel> {
  return decodeTaskModel(await readFileBytes(path, "task model file"), path, options);
}

export async function saveTaskCheckpoint(path: string, model: TaskModel, trainer: TaskTrainer, settings: Record<string, unknown> = {}): Promise<void> {
  await writeFileAtomic(path, await encodeTaskCheckpoint(model, trainer, settings));
}

export async function loadTaskCheckpoint(path: string, options: TaskDecodeOptions = {}): Promise<TaskCheckpoint> {
  return decodeTaskCheckpoint(await readFileBytes(path, "task checkpoint"), path, options);
}
