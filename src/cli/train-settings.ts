// What a training run is made of: its settings from the flags of a new run, or read back from the checkpoint
// of a run to resume. Every stored setting is checked by the same rule as its flag, so a damaged or foreign
// checkpoint fails when it is read, with a message naming the file and the setting, not later in training.

import { isAbsolute, resolve } from "node:path";
import type { OptimizerName, Partition, TokenLevel } from "../node.js";
import { BUILTIN_CORPORA, type BuiltinCorpus } from "./corpus.js";
import { fail } from "./errors.js";
import { checkStoredKeys, shortDescription, type Check } from "./stored-settings.js";
import {
  FRACTION, NON_NEGATIVE_FLOAT, POSITIVE_FLOAT, POSITIVE_INT, SEED, satisfies, type NumberRule,
} from "./values.js";

export const LEVELS = ["char", "word"] as const;
export const CELLS = ["rnn", "gru", "lstm"] as const;
export const OPTIMIZERS = ["sgd", "adam", "adamw"] as const;
export const SCHEDULES = ["constant", "step", "cosine"] as const;
export const PARTITIONS = ["sequential", "random"] as const;

/** What a run is made of; stored in every checkpoint so that --resume rebuilds the same run. */
export interface TrainSettings {
  /** Absolute path of the corpus file, or null for a built-in corpus. */
  corpus: string | null;
  builtin: BuiltinCorpus | null;
  corpusChecksum: string;
  level: TokenLevel;
  minFreq: number;
  cell: (typeof CELLS)[number];
  hidden: number;
  layers: number;
  embed: number | null;
  dropout: number;
  steps: number;
  batch: number;
  lr: number;
  optimizer: OptimizerName;
  momentum: number | null;
  weightDecay: number | null;
  clip: number;
  schedule: (typeof SCHEDULES)[number];
  epochs: number;
  partition: Partition;
  seed: number;
  valSplit: number;
  out: string;
  checkpoint: string | null;
  sampleEvery: number | null;
  sampleLength: number;
  prefix: string | null;
}

export interface TrainFlags {
  builtin?: BuiltinCorpus;
  level: TokenLevel;
  minFreq: number;
  cell: TrainSettings["cell"];
  hidden: number;
  layers: number;
  embed?: number;
  dropout: number;
  steps: number;
  batch: number;
  lr?: number;
  optimizer: OptimizerName;
  momentum?: number;
  weightDecay?: number;
  clip: number;
  schedule: TrainSettings["schedule"];
  epochs: number;
  partition: Partition;
  seed: number;
  valSplit: number;
  out: string;
  checkpoint?: string | false;
  resume?: string;
  sampleEvery?: number;
  sampleLength: number;
  prefix?: string;
  quiet?: boolean;
  force?: boolean;
  maxBytes: number;
}

/** Settings that decide the trained weights: a resumed run keeps them (flag name for the messages). */
export const RUN_KEYS: [keyof TrainFlags & keyof TrainSettings, string][] = [
  ["builtin", "--builtin"], ["level", "--level"], ["minFreq", "--min-freq"], ["cell", "--cell"], ["hidden", "--hidden"],
  ["layers", "--layers"], ["embed", "--embed"], ["dropout", "--dropout"], ["steps", "--steps"], ["batch", "--batch"],
  ["lr", "--lr"], ["optimizer", "--optimizer"], ["momentum", "--momentum"], ["weightDecay", "--weight-decay"],
  ["clip", "--clip"], ["schedule", "--schedule"], ["partition", "--partition"], ["seed", "--seed"], ["valSplit", "--val-split"],
];
/** Settings about output only: on --resume they default to the stored ones and may be changed. */
export const OUTPUT_KEYS = ["out", "sampleEvery", "sampleLength", "prefix"] as const;

export function newSettings(corpusArg: string | undefined, f: TrainFlags): TrainSettings {
  if (corpusArg !== undefined && f.builtin) fail(`give a corpus file or --builtin ${f.builtin}, not both`);
  if (corpusArg === undefined && !f.builtin) fail(`train needs a corpus: a text file, --builtin names, or --resume <checkpoint>`);
  if (f.momentum !== undefined && f.optimizer !== "sgd") fail(`--momentum is for --optimizer sgd (adam and adamw have their own moments)`);
  if (f.dropout > 0 && f.layers < 2) fail(`--dropout acts between recurrent layers, so it needs --layers 2 or more (got --layers ${f.layers})`);
  return {
    corpus: corpusArg === undefined ? null : resolve(corpusArg),
    builtin: f.builtin ?? null,
    corpusChecksum: "",
    level: f.level, minFreq: f.minFreq, cell: f.cell, hidden: f.hidden, layers: f.layers, embed: f.embed ?? null, dropout: f.dropout,
    steps: f.steps, batch: f.batch, lr: f.lr ?? (f.optimizer === "sgd" ? 1 : 0.002), optimizer: f.optimizer,
    momentum: f.momentum ?? null, weightDecay: f.weightDecay ?? null, clip: f.clip, schedule: f.schedule, epochs: f.epochs,
    partition: f.partition, seed: f.seed, valSplit: f.valSplit,
    out: f.out, checkpoint: f.checkpoint === false ? null : (f.checkpoint ?? `${f.out}.ckpt`),
    sampleEvery: f.sampleEvery ?? null, sampleLength: f.sampleLength, prefix: f.prefix ?? null,
  };
}

// ------------------------------------------------------------------------------ stored settings ----

const number = (rule: NumberRule, flag: string): Check => ({ expected: `${rule.expected} (as for ${flag})`, accepts: (v) => satisfies(rule, v) });
const choice = (choices: readonly string[], flag: string): Check => ({
  expected: `one of ${choices.join(", ")} (as for ${flag})`, accepts: (v) => typeof v === "string" && choices.includes(v),
});
const text = (expected: string, accepts: (s: string) => boolean = () => true): Check => ({
  expected, accepts: (v) => typeof v === "string" && accepts(v),
});
const orNull = (check: Check): Check => ({ expected: `${check.expected} or null`, accepts: (v) => v === null || check.accepts(v) });

/** A path as the command line takes it: a non-empty string without NUL (and of a sane length). */
const PATH = (s: string) => s !== "" && s.length <= 4096 && !s.includes("\0");

const STORED: Record<keyof TrainSettings, Check> = {
  corpus: orNull(text("an absolute file path", (s) => PATH(s) && isAbsolute(s))),
  builtin: orNull(choice(BUILTIN_CORPORA, "--builtin")),
  corpusChecksum: text("8 hexadecimal digits", (s) => /^[0-9a-f]{8}$/.test(s)),
  level: choice(LEVELS, "--level"),
  minFreq: number(POSITIVE_INT, "--min-freq"),
  cell: choice(CELLS, "--cell"),
  hidden: number(POSITIVE_INT, "--hidden"),
  layers: number(POSITIVE_INT, "--layers"),
  embed: orNull(number(POSITIVE_INT, "--embed")),
  dropout: number(FRACTION, "--dropout"),
  steps: number(POSITIVE_INT, "--steps"),
  batch: number(POSITIVE_INT, "--batch"),
  lr: number(POSITIVE_FLOAT, "--lr"),
  optimizer: choice(OPTIMIZERS, "--optimizer"),
  momentum: orNull(number(FRACTION, "--momentum")),
  weightDecay: orNull(number(NON_NEGATIVE_FLOAT, "--weight-decay")),
  clip: number(NON_NEGATIVE_FLOAT, "--clip"),
  schedule: choice(SCHEDULES, "--schedule"),
  epochs: number(POSITIVE_INT, "--epochs"),
  partition: choice(PARTITIONS, "--partition"),
  seed: number(SEED, "--seed"),
  valSplit: number(FRACTION, "--val-split"),
  out: text("a file path (as for --out)", PATH),
  checkpoint: orNull(text("a file path (as for --checkpoint)", PATH)),
  sampleEvery: orNull(number(POSITIVE_INT, "--sample-every")),
  sampleLength: number(POSITIVE_INT, "--sample-length"),
  prefix: orNull(text("a string (as for --prefix)")),
};

/**
 * The settings a checkpoint stored, each checked by its flag's rule (and the flags' combinations), so that a
 * damaged, foreign or hostile checkpoint is refused here, naming the file and the setting.
 */
export function storedSettings(stored: unknown, path: string): TrainSettings {
  const where = `the checkpoint ${path}`;
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) fail(`${where} has no training settings (got ${shortDescription(stored)}), so the command line cannot resume it; use the library's Trainer.restoreState`);
  const record = stored as Record<string, unknown>;
  const keys = checkStoredKeys(record, STORED, where, { command: "wasm-rnn train", restore: "Trainer.restoreState" });
  const settings: Record<string, unknown> = {}; // the known keys in their own order, as checkpoints store them
  for (const key of keys) settings[key] = record[key];
  const s = settings as unknown as TrainSettings;
  if ((s.corpus === null) === (s.builtin === null)) fail(`${where} is damaged: its settings must name either a corpus file or a built-in corpus, got corpus ${shortDescription(s.corpus)} and builtin ${shortDescription(s.builtin)}`);
  if (s.momentum !== null && s.optimizer !== "sgd") fail(`${where} is damaged: its setting momentum is for optimizer sgd, but it has optimizer ${s.optimizer}`);
  if (s.dropout > 0 && s.layers < 2) fail(`${where} is damaged: its setting dropout ${s.dropout} needs layers 2 or more, but it has layers ${s.layers}`);
  return s;
}
