// Files the command line is about to write (train's model and checkpoint, convert's output): checked before
// any work is done, so that a run never trains for an hour to fail at the save, and never replaces a file
// the user did not name for replacement.

import { constants } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { probeWritable } from "../io/files.js";
import { looksLikeModelFile } from "../io/format.js";
import { looksLikeSafetensors } from "../io/safetensors.js";
import { fail } from "./errors.js";

export interface OutputCheck {
  /** What the file is, for messages: "the model", "the checkpoint". */
  what: string;
  /** --force: an existing file may be replaced. */
  force: boolean;
  /**
   * The path is this run's own (a --resume run writing the paths its checkpoint stored): the file there may be
   * replaced if it holds a model or checkpoint. A checkpoint from elsewhere cannot claim any other file.
   */
  own?: boolean;
  /** How else to go on, ending the refusal: "choose another file with --out <path>". */
  alternative: string;
}

/**
 * Refuses an existing file (unless --force or the run's own), a directory or a special file; creates the
 * missing directories; then creates and removes a probe file beside the target (as root, access(W_OK) says
 * yes where a write fails). Every failure is one line naming the file.
 */
export async function prepareOutput(path: string, check: OutputCheck): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory()) fail(`cannot save ${check.what} to ${path}: it is a directory`);
  if (info && !check.force && !(check.own && (await holdsModel(path)))) {
    fail(`${path} already exists: pass --force to replace it, or ${check.alternative}`);
  }
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "EEXIST" || code === "ENOTDIR" ? `part of the path is a file, not a directory (${code})` : (e as Error).message;
    fail(`cannot save ${check.what} to ${path}: cannot create its directory: ${why}`);
  }
  try {
    await probeWritable(path);
  } catch (e) {
    const message = (e as Error).message, prefix = `Cannot write ${path}: `;
    fail(`cannot save ${check.what} to ${path}: ${message.startsWith(prefix) ? message.slice(prefix.length) : message}`);
  }
}

/** Whether the file starts as a wasm-rnn model or checkpoint, or a safetensors file, does (16 bytes read). */
async function holdsModel(path: string): Promise<boolean> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(() => null);
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) return false;
    const head = new Uint8Array(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return looksLikeModelFile(head.subarray(0, bytesRead)) || looksLikeSafetensors(head.subarray(0, bytesRead));
  } catch {
    return false;
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * A training run's model file and checkpoint (train, fit), checked before the data is read and long before
 * the first save; `own`: the resolved paths a resumed run may replace (its stored model and checkpoint).
 */
export async function prepareRunOutputs(settings: { out: string; checkpoint: string | null }, force: boolean, ownFiles: readonly string[]): Promise<void> {
  const own = (path: string) => ownFiles.includes(resolve(path));
  if (settings.checkpoint !== null && resolve(settings.checkpoint) === resolve(settings.out)) {
    fail(`the model and the checkpoint would both be ${settings.out}: give --checkpoint another path, or --no-checkpoint`);
  }
  await prepareOutput(settings.out, { what: "the model", force, own: own(settings.out), alternative: "choose another file with --out <path>" });
  if (settings.checkpoint !== null) {
    await prepareOutput(settings.checkpoint, { what: "the checkpoint", force, own: own(settings.checkpoint), alternative: "choose another file with --checkpoint <path> (or --no-checkpoint)" });
  }
}
