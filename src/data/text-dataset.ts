// Text classification data from { text, label } records: token ids by character or word, labels as class ids.
// The vocabulary comes from the Vocabulary class (built from the records, or given, e.g. the training set's
// for a test set), so unseen tokens become <unk> and the ids are the same every time for the same records.

import { checkKnownKeys, checkObject, checkPositiveInt, describe } from "../errors.js";
import type { TokenLevel } from "../text/tokenize.js";
import { Vocabulary } from "../text/vocab.js";
import type { SequenceDataset } from "./dataset.js";

export interface TextRecord {
  text: string;
  label: string | number;
}

export interface TextDatasetOptions {
  /** "char" (default) or "word"; with `vocab`, must be the vocabulary's level. */
  level?: TokenLevel;
  /** Keeps the first maxLength tokens of a longer text. Default: no limit. */
  maxLength?: number;
  /** Tokens seen fewer times in the records map to <unk> (when the vocabulary is built here). Default 1. */
  minFreq?: number;
  /** A vocabulary to use as is (e.g. the training set's); default: built from these records. */
  vocab?: Vocabulary;
  /** The classes in id order; default: the records' labels as strings, sorted. */
  labels?: string[];
}

export interface TextDataset {
  /** task "classify", inputKind "tokens", inputSize vocab.size, outFeatures labels.length. */
  dataset: SequenceDataset;
  vocab: Vocabulary;
  /** Class id → label. */
  labels: string[];
}

export function textClassificationDataset(records: readonly TextRecord[], options: TextDatasetOptions = {}): TextDataset {
  const o = checkObject("textClassificationDataset options", options);
  checkKnownKeys("textClassificationDataset", o, ["level", "maxLength", "minFreq", "vocab", "labels"]);
  if (!Array.isArray(records)) throw new TypeError(`textClassificationDataset: records must be an array of { text, label }, got ${describe(records)}`);
  if (records.length === 0) throw new RangeError("textClassificationDataset: records is empty");
  records.forEach((r, i) => {
    const { text, label } = checkObject(`records[${i}]`, r, "{ text: string, label: string | number }");
    if (typeof text !== "string") throw new TypeError(`records[${i}].text must be a string, got ${describe(text)}`);
    if (text === "") throw new RangeError(`records[${i}].text is empty: a text needs at least one token`);
    if (typeof label !== "string" && !(typeof label === "number" && Number.isFinite(label))) {
      throw new TypeError(`records[${i}].label must be a string or a finite number, got ${describe(label)}`);
    }
  });
  const maxLength = options.maxLength === undefined ? Infinity : checkPositiveInt("maxLength", options.maxLength, 2 ** 31 - 1);
  const vocab = options.vocab === undefined ? buildVocabulary(records, options) : givenVocabulary(options);

  const labels = options.labels === undefined ? [...new Set(records.map((r) => String(r.label)))].sort() : checkLabels(options.labels);
  const classOf = new Map(labels.map((l, i) => [l, i]));
  const examples = records.map((r, i) => {
    const target = classOf.get(String(r.label));
    if (target === undefined) {
      throw new RangeError(`records[${i}].label ${JSON.stringify(String(r.label))} is not one of the labels: ${labels.map((l) => JSON.stringify(l)).join(", ")}`);
    }
    return { input: encode(r.text, vocab, maxLength, `records[${i}].text`), target };
  });
  const dataset: SequenceDataset = {
    task: "classify", examples, inputKind: "tokens", inputSize: vocab.size, outFeatures: labels.length, perStep: false,
  };
  return { dataset, vocab, labels };
}

/** Token ids of texts to classify with a trained model (its vocabulary and maxLength), one Int32Array each. */
export function encodeTexts(texts: readonly string[], vocab: Vocabulary, maxLength?: number): Int32Array[] {
  if (!Array.isArray(texts)) throw new TypeError(`encodeTexts: texts must be an array of strings, got ${describe(texts)}`);
  if (!(vocab instanceof Vocabulary)) throw new TypeError(`encodeTexts: vocab must be a Vocabulary, got ${describe(vocab)}`);
  const limit = maxLength === undefined ? Infinity : checkPositiveInt("maxLength", maxLength, 2 ** 31 - 1);
  return texts.map((text, i) => {
    if (typeof text !== "string") throw new TypeError(`texts[${i}] must be a string, got ${describe(text)}`);
    return encode(text, vocab, limit, `texts[${i}]`);
  });
}

function encode(text: string, vocab: Vocabulary, maxLength: number, what: string): Int32Array {
  const ids = vocab.encode(text);
  if (ids.length === 0) throw new RangeError(`${what} has no ${vocab.level === "word" ? "words" : "characters"}: ${JSON.stringify(text.slice(0, 40))}`);
  return ids.length > maxLength ? ids.slice(0, maxLength) : ids; // slice: the long array is not kept alive
}

/**
 * Built over the texts joined into one string, so Vocabulary's streaming count does the work: by character
 * they are joined with nothing (no extra token), by word with a newline (which separates and is dropped).
 */
function buildVocabulary(records: readonly TextRecord[], options: TextDatasetOptions): Vocabulary {
  const level = options.level ?? "char";
  return Vocabulary.build(records.map((r) => r.text).join(level === "word" ? "\n" : ""), { level, minFreq: options.minFreq });
}

function givenVocabulary(options: TextDatasetOptions): Vocabulary {
  const vocab = options.vocab;
  if (!(vocab instanceof Vocabulary)) throw new TypeError(`textClassificationDataset: vocab must be a Vocabulary, got ${describe(vocab)}`);
  if (options.level !== undefined && options.level !== vocab.level) {
    throw new TypeError(`textClassificationDataset: level ${JSON.stringify(options.level)} differs from the given vocabulary's ${JSON.stringify(vocab.level)}`);
  }
  if (options.minFreq !== undefined) throw new TypeError("textClassificationDataset: minFreq applies when the vocabulary is built here; a given vocab is used as is");
  return vocab;
}

function checkLabels(labels: unknown): string[] {
  if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === "string")) {
    throw new TypeError(`textClassificationDataset: labels must be a non-empty array of strings, got ${describe(labels)}`);
  }
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice !== undefined) throw new RangeError(`textClassificationDataset: label ${JSON.stringify(twice)} appears twice in labels`);
  return [...labels];
}
