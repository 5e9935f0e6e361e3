// Whether a model file holds a task model (a Sequential with a "task" record) rather than a language model,
// from its header alone: `wasm-rnn eval` scores either kind. Anything unreadable counts as "not a task model",
// so that the language-model path reports it exactly as before. Also what follows from the kind: the flags a
// task model refuses, and the checkpoints of the other command.

import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { looksLikeModelFile } from "../io/format.js";
import { looksLikeSafetensors } from "../io/safetensors.js";
import { CliError, fail } from "./errors.js";

/** Headers larger than this are not peeked at (the full loader still reads and judges the file). */
const MAX_PEEK = 16 * 2 ** 20;

export async function isTaskModelFile(path: string): Promise<boolean> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(() => null);
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) return false;
    const read = async (at: number, length: number) => {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, at);
      return bytes.subarray(0, bytesRead);
    };
    const head = await read(0, 16);
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (looksLikeModelFile(head) && head.length === 16) {
      // wasm-rnn container: magic, version, u32 header length, then the JSON header with "task" for task models
      const n = view.getUint32(12, true);
      if (n > MAX_PEEK) return false;
      const header = parse(await read(16, n));
      return header !== null && typeof header.task === "object" && header.task !== null;
    }
    if (looksLikeSafetensors(head)) {
      // safetensors: u64 header length, then JSON whose __metadata__ says architecture "sequential"
      const n = view.getUint32(0, true);
      if (n > MAX_PEEK) return false;
      const metadata = parse(await read(8, n))?.__metadata__ as Record<string, unknown> | undefined;
      return metadata?.format === "wasm-rnn" && metadata.architecture === "sequential";
    }
    return false;
  } catch {
    return false;
  } finally {
    await handle.close().catch(() => {});
  }
}

function parse(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Loads a checkpoint with `load`; a checkpoint of the other kind of run (a language model's given to fit, a
 * task model's given to train) is refused with the command that resumes it, not the library's loader advice.
 */
export async function loadResumable<T>(path: string, kind: "fit" | "train", load: (path: string) => Promise<T>): Promise<T> {
  try {
    return await load(path);
  } catch (e) {
    const task = await isTaskModelFile(path);
    const foreign = kind === "fit" ? !task && /is a language model file, not a task model/.test((e as Error).message)
      : task && /task model \(a Sequential\), not a language model/.test((e as Error).message);
    if (!foreign) throw e;
    const other = kind === "fit" ? "train" : "fit";
    const what = kind === "fit" ? "a language model (wasm-rnn train's)" : "a task model (wasm-rnn fit's)";
    throw new CliError(`${path} holds ${what}, not a checkpoint of wasm-rnn ${kind}; a checkpoint of wasm-rnn ${other} resumes with wasm-rnn ${other} --resume`);
  }
}

/** The flags of language-model loading that a task model (which records its whole configuration) refuses. */
const LANGUAGE_MODEL_ONLY = ["vocab", "cellVariant", "nonlinearity"] as const;

/** Refuses the first language-model loading flag given (eval, convert) for the task model at `path`. */
export function refuseLanguageModelFlags(given: (key: string) => boolean, path: string): void {
  const lmOnly = LANGUAGE_MODEL_ONLY.filter(given);
  if (lmOnly.length > 0) fail(`--${lmOnly[0].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is for language models; ${path} is a task model`);
}
