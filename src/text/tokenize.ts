// Splitting text into tokens. Characters are Unicode code points (an emoji or a CJK character is one token,
// never two UTF-16 halves). Words are runs of letters, marks, digits and in-word apostrophes; a Han, Hiragana
// or Katakana character is a word of its own (those scripts do not separate words with spaces); every other
// non-space character is a token of its own; whitespace separates and is dropped.

export type TokenLevel = "char" | "word";

const CJK_CHAR = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}";
const LETTER = `(?:(?![${CJK_CHAR}])[\\p{L}\\p{M}\\p{N}])`;
const WORD = new RegExp(`[${CJK_CHAR}]|${LETTER}+(?:['’]${LETTER}+)*|[^\\s\\p{L}\\p{M}\\p{N}]`, "gu");

export function tokenize(text: string, level: TokenLevel): string[] {
  return level === "char" ? Array.from(text) : text.match(WORD) ?? [];
}

// The same tokens one at a time, for texts too large to hold as an array of strings (one JS string per token
// costs ~10× the text): Vocabulary.build and encode count and look up tokens as they go.

/** The code point of each character token of tokenize(text, "char"), in order (a lone surrogate is its own). */
export function forEachCodePoint(text: string, visit: (codePoint: number) => void): void {
  for (let i = 0; i < text.length; ) {
    const c = text.codePointAt(i)!;
    visit(c);
    i += c > 0xffff ? 2 : 1;
  }
}

/** Each token of tokenize(text, "word"), in order. */
export function forEachWord(text: string, visit: (word: string) => void): void {
  const pattern = new RegExp(WORD); // its own lastIndex, so that calls may overlap
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) visit(m[0]);
}

/** The first token of a text (tokenize(text, level)[0]) without tokenizing the rest. */
export function firstToken(text: string, level: TokenLevel): string | undefined {
  if (level === "word") return new RegExp(WORD).exec(text)?.[0];
  return text === "" ? undefined : String.fromCodePoint(text.codePointAt(0)!);
}

const NO_SPACE_BEFORE = /^[.,;:!?%)\]}»”’…。，、；：！？）」』】]/u;
const NO_SPACE_AFTER = /[(\[{«“‘¿¡（「『【]$/u;
// CJK characters and CJK / fullwidth punctuation, which are written without spaces between them
const EAST_ASIAN = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u3000-\u303f\uff00-\uffef]/u;

/** What goes between two word tokens: a space, except around punctuation and between CJK characters. */
export function wordSeparator(previous: string, next: string): string {
  if (NO_SPACE_BEFORE.test(next) || NO_SPACE_AFTER.test(previous)) return "";
  if (EAST_ASIAN.test(previous) && EAST_ASIAN.test(next)) return "";
  return " ";
}

/** Joins word tokens as wordSeparator says. */
export function joinWords(tokens: readonly string[]): string {
  let out = "";
  tokens.forEach((t, i) => (out += (i === 0 ? "" : wordSeparator(tokens[i - 1], t)) + t));
  return out;
}
