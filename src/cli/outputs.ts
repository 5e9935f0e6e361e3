// Files the command line is about to write (train's model and checkpoint, convert's output): checked before
// any work is done, so that a run never trains for an hour to fail at the save, and never replaces a file
// the user did not name for replacement.

import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { probeWritable } from "../io/files.js";
import { fail } from "./errors.js";

export interface OutputCheck {
  /** What the file is, for messages: "the model", "the checkpoint". */
  what: string;
  /** --force: an existing file may be replaced. */
  force: boolean;
  /** The file belongs to this run (a --resume run writing its own stored paths): it may be replaced. */
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
  if (info && !check.force && !check.own) {
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
