// A vocabulary: tokens ↔ ids. Built from a corpus by character or word, most frequent first (ties by first
// appearance, so the same text always gives the same ids), with reserved tokens first and an <unk> token
// for anything rare or unseen.

import { describe } from "../errors.js";
import { tokenize, forEachCodePoint, forEachWord, joinWords, type TokenLevel } from "./tokenize.js";

export interface VocabularyOptions {
  /** "char" (default): Unicode code points; "word": words and punctuation marks. */
  level?: TokenLevel;
  /** Tokens seen fewer times than this map to <unk>. Default 1 (keep everything). */
  minFreq?: number;
  /** Tokens given the first ids, in order (after <unk>), e.g. ["<pad>", "<bos>", "<eos>"]. */
  reserved?: string[];
  /** The unknown token. Default "<unk>". */
  unk?: string;
}

export interface VocabularyJSON {
  level: TokenLevel;
  unk: string;
  tokens: string[];
}

export class Vocabulary {
  private readonly ids = new Map<string, number>();
  /** For encoding characters without a string per character: code point → id. Built on first use. */
  private charIds: CodePointIds | null = null;

  private constructor(readonly level: TokenLevel, readonly unk: string, readonly tokens: readonly string[]) {
    tokens.forEach((t, i) => {
      if (this.ids.has(t)) throw new TypeError(`vocabulary: token ${JSON.stringify(t)} appears twice`);
      this.ids.set(t, i);
    });
    if (!this.ids.has(unk)) throw new TypeError(`vocabulary: the unknown token ${JSON.stringify(unk)} is missing`);
  }

  static build(text: string, options: VocabularyOptions = {}): Vocabulary {
    if (typeof text !== "string") throw new TypeError(`Vocabulary.build: text must be a string, got ${describe(text)}`);
    const level = options.level ?? "char";
    if (level !== "char" && level !== "word") throw new TypeError(`Vocabulary.build: level must be "char" or "word", got ${describe(level)}`);
    const minFreq = options.minFreq ?? 1;
    if (!Number.isInteger(minFreq) || minFreq < 1) throw new RangeError(`Vocabulary.build: minFreq must be an integer ≥ 1, got ${describe(minFreq)}`);
    const unk = options.unk ?? "<unk>";
    const reserved = options.reserved ?? [];
    const counts = level === "char" ? countCodePoints(text) : countWords(text); // in first-appearance order
    const special = [unk, ...reserved.filter((t) => t !== unk)];
    const frequent = counts
      .filter(([t, n]) => n >= minFreq && !special.includes(t))
      .sort((a, b) => b[1] - a[1]) // stable: equal counts keep first-appearance order
      .map(([t]) => t);
    return new Vocabulary(level, unk, [...special, ...frequent]);
  }

  static fromJSON(json: unknown): Vocabulary {
    const j = json as VocabularyJSON;
    if (typeof j !== "object" || j === null || !Array.isArray(j.tokens) || typeof j.unk !== "string" || (j.level !== "char" && j.level !== "word")) {
      throw new TypeError(`vocabulary JSON must be { level: "char" | "word", unk: string, tokens: string[] }, got ${describe(json)}`);
    }
    if (!j.tokens.every((t) => typeof t === "string")) throw new TypeError("vocabulary JSON: every token must be a string");
    return new Vocabulary(j.level, j.unk, j.tokens);
  }

  toJSON(): VocabularyJSON {
    return { level: this.level, unk: this.unk, tokens: [...this.tokens] };
  }

  get size(): number {
    return this.tokens.length;
  }

  get unkId(): number {
    return this.ids.get(this.unk)!;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The id of a token (<unk>'s id when unknown). */
  idOf(token: string): number {
    return this.ids.get(token) ?? this.unkId;
  }

  tokenOf(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`vocabulary: id must be an integer in [0, ${this.size}), got ${describe(id)}`);
    return t;
  }

  tokenize(text: string): string[] {
    return tokenize(text, this.level);
  }

  /** The ids of the tokens of `text`, streamed: no token array, one Int32Array of the result's size at the end. */
  encode(text: string): Int32Array {
    if (typeof text !== "string") throw new TypeError(`Vocabulary.encode: text must be a string, got ${describe(text)}`);
    const unkId = this.unkId;
    if (this.level === "char") {
      const { bmp, astral } = (this.charIds ??= codePointIds(this.tokens, unkId));
      const out = new Int32Array(text.length); // at least one UTF-16 unit per code point
      let n = 0;
      forEachCodePoint(text, (c) => void (out[n++] = c < 0x10000 ? bmp[c] : astral.get(c) ?? unkId));
      return n === out.length ? out : out.slice(0, n);
    }
    let out = new Int32Array(1024), n = 0;
    forEachWord(text, (word) => {
      if (n === out.length) {
        const grown = new Int32Array(2 * n);
        grown.set(out);
        out = grown;
      }
      out[n++] = this.ids.get(word) ?? unkId;
    });
    return out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    const tokens = Array.from(ids, (id) => this.tokenOf(id));
    return this.level === "char" ? tokens.join("") : joinWords(tokens);
  }
}

/** Token counts in order of first appearance (the tie-break of the ids). */
type Counts = [token: string, count: number][];

function countWords(text: string): Counts {
  const counts = new Map<string, number>(); // a Map keeps insertion order
  forEachWord(text, (w) => void counts.set(w, (counts.get(w) ?? 0) + 1));
  return [...counts.entries()];
}

/** Counted by code point in a flat table (plus a Map beyond the BMP): no string per character. */
function countCodePoints(text: string): Counts {
  const bmp = new Uint32Array(0x10000);
  const astral = new Map<number, number>();
  const order: number[] = [];
  forEachCodePoint(text, (c) => {
    if (c < 0x10000) {
      if (bmp[c]++ === 0) order.push(c);
    } else {
      const n = astral.get(c) ?? 0;
      if (n === 0) order.push(c);
      astral.set(c, n + 1);
    }
  });
  return order.map((c) => [String.fromCodePoint(c), c < 0x10000 ? bmp[c] : astral.get(c)!]);
}

interface CodePointIds {
  /** Id of each BMP code point (<unk>'s id when not a token). */
  bmp: Int32Array;
  astral: Map<number, number>;
}

/** Lookup tables for the tokens that are one code point; longer tokens (reserved ones) never match a character. */
function codePointIds(tokens: readonly string[], unkId: number): CodePointIds {
  const bmp = new Int32Array(0x10000).fill(unkId);
  const astral = new Map<number, number>();
  tokens.forEach((t, id) => {
    const c = t.codePointAt(0);
    if (c === undefined || String.fromCodePoint(c) !== t) return;
    if (c < 0x10000) bmp[c] = id;
    else astral.set(c, id);
  });
  return { bmp, astral };
}
