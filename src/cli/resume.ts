// What train --resume and fit --resume share: the flags of checkpoints and resuming, the run's own files
// (which it may replace), the settings it must keep, where its checkpoint goes, and whether it has epochs left. Each command reads and checks its own
// stored settings (stored-settings.ts), and decides which of its flags a resumed run may change.

import { resolve } from "node:path";
import type { Command } from "commander";
import { fail } from "./errors.js";
import { filePath } from "./values.js";

/** --checkpoint, --no-checkpoint and --resume, worded alike for train and fit (after --out, in --help too). */
export function addResumeOptions(command: Command): Command {
  return command
    .option("--checkpoint <path>", "checkpoint saved at every epoch end (default: <out>.ckpt)", filePath)
    .option("--no-checkpoint", "save no checkpoints")
    .option("--resume <checkpoint>", "continue a run exactly from its checkpoint (only --epochs may change its settings)", filePath);
}

/** The paths of the stored model and checkpoint, resolved: a resumed run may replace these files. */
export function ownFiles(settings: { out: string; checkpoint: string | null }): string[] {
  return [settings.out, settings.checkpoint].filter((p): p is string => p !== null).map((p) => resolve(p));
}

/**
 * Refuses a flag given with another value than the checkpoint's: these settings decide the trained weights.
 * `stored` is the checkpoint's value of the flag's setting (null or undefined: the flag was not given).
 */
export function refuseChangedFlags<K extends string>(
  keys: readonly (readonly [K, string])[], given: (key: string) => boolean, flagValue: (key: K) => unknown,
  stored: (key: K) => unknown, checkpoint: string,
): void {
  for (const [key, flag] of keys) {
    const value = stored(key);
    if (given(key) && flagValue(key) !== value) {
      fail(`${flag} ${String(flagValue(key))} conflicts with the checkpoint ${checkpoint}, which was trained with ${value === null || value === undefined ? `no ${flag}` : `${flag} ${String(value)}`}; a resumed run keeps its settings (only --epochs may change)`);
    }
  }
}

/**
 * A resumed run's checkpoint file: --checkpoint or --no-checkpoint if given, else beside a new --out, else the
 * stored one. `settings.out` is the run's --out already (a new one if given).
 */
export function resumedCheckpoint(settings: { out: string; checkpoint: string | null }, flag: string | false | undefined, given: (key: string) => boolean): string | null {
  if (given("checkpoint") || flag === false) return flag === false ? null : flag!;
  if (given("out")) return `${settings.out}.ckpt`;
  return settings.checkpoint;
}

/** Refuses to resume a run that has trained all its epochs already: --epochs must grow for it to go on. */
export function refuseFinishedRun(checkpoint: string, trained: number, epochs: number): void {
  if (trained >= epochs) {
    fail(`the checkpoint ${checkpoint} has already trained ${trained} of ${epochs} epochs; pass --epochs N with N > ${trained} to train further`);
  }
}
