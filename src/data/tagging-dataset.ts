// Sequence tagging data from { tokens, tags } records (one tag per token: parts of speech, named entities,
// a label per sensor step): a word vocabulary over the tokens as given (not re-tokenized), tags as class ids.

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import { Vocabulary } from "../text/vocab.js";
import type { SequenceDataset } from "./dataset.js";

export interface TaggingRecord {
  tokens: readonly string[];
  tags: readonly string[];
}

export interface TaggingDatasetOptions {
  /** Tokens seen fewer times in the records map to <unk> (when the vocabulary is built here). Default 1. */
  minFreq?: number;
  /** A vocabulary to use as is (the training set's, for a test set); default: built from these records. */
  vocab?: Vocabulary;
  /** The tags in class-id order; default: the records' tags sorted. */
  labels?: readonly string[];
  /** Keeps the first maxLength tokens of a longer record. Default: no limit. */
  maxLength?: number;
}

export interface TaggingDataset {
  /** task "tag", inputKind "tokens", perStep true. */
  dataset: SequenceDataset;
  vocab: Vocabulary;
  labels: string[];
}

export function taggingDataset(records: readonly TaggingRecord[], options: TaggingDatasetOptions = {}): TaggingDataset {
  const o = checkObject("taggingDataset options", options);
  checkKnownKeys("taggingDataset", o, ["minFreq", "vocab", "labels", "maxLength"]);
  if (!Array.isArray(records)) throw new TypeError(`taggingDataset: records must be an array of { tokens, tags }, got ${describe(records)}`);
  if (records.length === 0) throw new RangeError("taggingDataset: records is empty");
  records.forEach((r, i) => {
    const { tokens, tags } = checkObject(`records[${i}]`, r, "{ tokens: string[], tags: string[] }");
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === "string" && t !== "")) throw new TypeError(`records[${i}].tokens must be an array of non-empty strings, got ${describe(tokens)}`);
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) throw new TypeError(`records[${i}].tags must be an array of strings, got ${describe(tags)}`);
    if (tokens.length === 0) throw new RangeError(`records[${i}] has no tokens`);
    if (tags.length !== tokens.length) throw new RangeError(`records[${i}] has ${tokens.length} tokens but ${tags.length} tags; it needs one tag per token`);
  });
  const maxLength = o.maxLength === undefined ? Infinity : checkPositiveInt("taggingDataset: maxLength", o.maxLength, 2 ** 31 - 1);
  let vocab: Vocabulary;
  if (o.vocab !== undefined) {
    if (!(o.vocab instanceof Vocabulary)) throw new TypeError(`taggingDataset: vocab must be a Vocabulary, got ${describe(o.vocab)}`);
    if (o.minFreq !== undefined) throw new TypeError("taggingDataset: minFreq applies when the vocabulary is built here; a given vocab is used as is");
    vocab = o.vocab;
  } else vocab = buildVocabulary(records, o.minFreq === undefined ? 1 : checkPositiveInt("taggingDataset: minFreq", o.minFreq));
  const labels: string[] = o.labels === undefined ? [...new Set(records.flatMap((r) => r.tags))].sort() : checkLabels(o.labels);
  const classOf = new Map(labels.map((l, i) => [l, i]));
  const examples = records.map((r, i) => {
    const n = Math.min(r.tokens.length, maxLength);
    const target = new Int32Array(n);
    for (let t = 0; t < n; t++) {
      const c = classOf.get(r.tags[t]);
      if (c === undefined) throw new RangeError(`records[${i}].tags[${t}] ${JSON.stringify(r.tags[t])} is not one of the labels: ${labels.map((l) => JSON.stringify(l)).join(", ")}`);
      target[t] = c;
    }
    return { input: Int32Array.from(r.tokens.slice(0, n), (t: string) => vocab.idOf(t)), target };
  });
  const dataset: SequenceDataset = { task: "tag", examples, inputKind: "tokens", inputSize: vocab.size, outFeatures: labels.length, perStep: true };
  return { dataset, vocab, labels };
}

/** Most frequent first, ties by first appearance (as Vocabulary.build orders), <unk> first. */
function buildVocabulary(records: readonly TaggingRecord[], minFreq: number): Vocabulary {
  const counts = new Map<string, number>();
  for (const r of records) for (const t of r.tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const unk = "<unk>";
  const tokens = [...counts].filter(([t, n]) => n >= minFreq && t !== unk).sort((a, b) => b[1] - a[1]).map(([t]) => t);
  return Vocabulary.fromJSON({ level: "word", unk, tokens: [unk, ...tokens] });
}

function checkLabels(labels: unknown): string[] {
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === "string")) {
    throw new TypeError(`taggingDataset: labels must be a non-empty array of strings, got ${describe(labels)}`);
  }
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new RangeError(`taggingDataset: label ${JSON.stringify(twice)} appears twice in labels`);
  return [...labels];
}
