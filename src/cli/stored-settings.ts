// Reading back the settings a checkpoint stored (train --resume, fit --resume): only the known keys, each
// checked by its rule, so that a damaged, foreign or hostile checkpoint is refused when it is read, naming
// the file and the setting. Values are never walked into: a value nested 100,000 deep is "an array".

import { fail } from "./errors.js";

/** The rule of one stored setting. */
export interface Check {
  /** What the setting must be, for the message. */
  expected: string;
  accepts(value: unknown): boolean;
}

/** The command whose checkpoints these are, and the library's way to resume one the command line cannot. */
export interface SettingsWriter {
  command: string;
  restore: string;
}

/**
 * Refuses settings (an object already) that lack a key of `checks`, have one it does not know, or hold a
 * value its check refuses; `where` names the file: "the checkpoint <path>".
 */
export function checkStoredKeys<K extends string>(record: Record<string, unknown>, checks: Record<K, Check>, where: string, writer: SettingsWriter): K[] {
  const keys = Object.keys(checks) as K[];
  const missing = keys.filter((k) => !Object.hasOwn(record, k));
  if (missing.length > 0) fail(`${where} was not written by "${writer.command}" (its settings lack ${missing.join(", ")}), so the command line cannot resume it; use the library's ${writer.restore}`);
  const unknown = Object.keys(record).find((k) => !Object.hasOwn(checks, k));
  if (unknown !== undefined) fail(`${where} has a setting ${shortDescription(unknown)} that this version of wasm-rnn does not know (written by a newer version?)`);
  for (const key of keys) {
    const check: Check = checks[key];
    if (!check.accepts(record[key])) fail(`${where} is damaged: its setting ${key} must be ${check.expected}, got ${shortDescription(record[key])}`);
  }
  return keys;
}

/** A value in a few words, never walking into it: 3, "abc…" (cut at 40 characters), an array, an object. */
export function shortDescription(value: unknown): string {
  if (value === null || typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
