// A vocabulary: tokens ↔ ids. Built from a corpus by character or word, most frequent first (ties by first
// appearance, so the same text always gives the same ids), with reserved tokens first and an <unk> token
// for anything rare or unseen.

import { describe } from "../errors.js";
import { tokenize, joinWords, type TokenLevel } from "./tokenize.js";

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
    const counts = new Map<string, number>(); // Map keeps first-appearance order for the tie-break
    for (const t of tokenize(text, level)) counts.set(t, (counts.get(t) ?? 0) + 1);
    const special = [unk, ...reserved.filter((t) => t !== unk)];
    const frequent = [...counts.entries()]
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

  encode(text: string): Int32Array {
    const tokens = this.tokenize(text);
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.idOf(tokens[i]);
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    const tokens = Array.from(ids, (id) => this.tokenOf(id));
    return this.level === "char" ? tokens.join("") : joinWords(tokens);
  }
}
