// Size budget: each release .wasm ≤ 64 KB, the browser entry (its JS module graph + the wasm it loads) ≤
// 100 KB gzip, and the tasks entry ≤ 106 KB gzip: it carries training, datasets, files and, since issue 13,
// quantized copies and their files (≈ 5 KB gzip of JS and wasm, repaid by the first model: an int8 model file
// is ¼ of the f32 one); since issue 14, hard-sigmoid gates and LSTM peepholes, forward and backward (≈ 2.7 KB
// gzip: their kernels are separate code, so the sigmoid kernels compile exactly as before). The graph is walked from dist/src/index.js the way a plain <script type="module"> page loads it
// (unbundled, unminified: an upper bound for a bundler's output), which also proves it has no bare or Node
// imports. The ONNX entry is walked the same way with the import map a plain page gives it (protobufjs's
// prebuilt browser file for its one bare import). Prints the figures the README quotes.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BROWSER_ENTRY = join(ROOT, "dist/src/index.js");
const TASKS_ENTRY = join(ROOT, "dist/src/tasks/index.js");
const ONNX_ENTRY = join(ROOT, "dist/src/onnx/index.js");
const ONNX_EXPORT_ENTRY = join(ROOT, "dist/src/onnx/export-entry.js");
const TFJS_ENTRY = join(ROOT, "dist/src/tfjs/index.js");
const TFJS_EXPORT_ENTRY = join(ROOT, "dist/src/tfjs/export-entry.js");
/** The import map a plain page gives "wasm-rnn/onnx" (docs/onnx-import.md): its one bare import, protobufjs. */
const ONNX_IMPORT_MAP: Record<string, string> = { "protobufjs/minimal.js": join(ROOT, "node_modules/protobufjs/dist/minimal/protobuf.min.js") };
const WASM_BUDGET = 64 * 1024;
const ENTRY_BUDGET_GZIP = 100 * 1024;
const TASKS_BUDGET_GZIP = 106 * 1024;
/** The ONNX entry: the core it initialises, the importer and protobufjs's minified browser file (8.5 KB gzip); 85.8 KB at issue 14 unbundled, once exportOnnx / liftOnnx (with the language model and Sequential) moved to "wasm-rnn/onnx/export". */
const ONNX_BUDGET_GZIP = 90 * 1024;
/** The importer and "wasm-rnn/onnx/export" on one page (a converter page: load, lift, export): 113.6 KB at issue 14. */
const ONNX_BOTH_BUDGET_GZIP = 120 * 1024;
/** The TensorFlow.js loader with the core it initialises: 72.0 KB at issue 14; with its exporter (exportTfjs, toWasmRnnModel: the language model, Sequential, task models) 106.0 KB. */
const TFJS_BUDGET_GZIP = 75 * 1024;
const TFJS_BOTH_BUDGET_GZIP = 110 * 1024;

const gzipBytes = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** Static imports, re-exports and `new URL("…", import.meta.url)` assets of one module. */
function references(source: string): { modules: string[]; assets: string[] } {
  const modules = [...source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']/gm)]
    .map((m) => m[1] ?? m[2]);
  const assets = [...source.matchAll(/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]);
  return { modules, assets };
}

/** Every file a browser fetches for the entry (the wasm files excepted: it fetches one of them). */
function browserGraph(entry: string, importMap: Record<string, string> = {}): { scripts: string[]; wasm: string[] } {
  const seen = new Set<string>([entry]);
  const wasm = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const { modules, assets } = references(readFileSync(file, "utf8"));
    for (const spec of modules) {
      if (!spec.startsWith(".") && !(spec in importMap)) assert.unreachable(`${file.slice(ROOT.length + 1)} imports "${spec}": the browser entry may import only relative modules`);
      const target = spec in importMap ? importMap[spec] : resolve(dirname(file), spec);
      if (!seen.has(target)) { seen.add(target); queue.push(target); }
    }
    for (const spec of assets) {
      const target = resolve(dirname(file), spec);
      if (target.endsWith(".wasm")) wasm.add(target);
      else if (!seen.has(target)) { seen.add(target); queue.push(target); }
    }
  }
  return { scripts: [...seen], wasm: [...wasm] };
}

test("each release .wasm is at most 64 KB", () => {
  const dir = join(ROOT, "build");
  const files = readdirSync(dir).filter((f) => f.endsWith(".wasm")).sort();
  assert.ok(files.length >= 5, `expected the five builds in build/, found ${files.join(", ")}`);
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    console.log(`  ${f.padEnd(26)} ${kb(bytes.length).padStart(9)}  (gzip ${kb(gzipBytes(bytes))})`);
    assert.ok(bytes.length <= WASM_BUDGET, `${f} is ${kb(bytes.length)}, over the 64 KB budget`);
  }
});

/** The gzip size of an entry's module graph plus the largest wasm it loads; checks it imports nothing bare or Node. */
function entrySize(entry: string, what: string, importMap: Record<string, string> = {}): number {
  const { scripts, wasm } = browserGraph(entry, importMap);
  for (const file of scripts) {
    const text = readFileSync(file, "utf8");
    assert.not.match(text, /from\s*["']node:/, `${file} imports a Node built-in statically`);
  }
  const jsRaw = scripts.reduce((n, f) => n + readFileSync(f).length, 0);
  const jsGzip = scripts.reduce((n, f) => n + gzipBytes(readFileSync(f)), 0);
  assert.ok(wasm.some((f) => f.endsWith("rnn.simd.wasm")), `${what} references build/rnn.simd.wasm`);
  // a page loads one build: budget against the largest
  const largestWasm = Math.max(...wasm.map((f) => gzipBytes(readFileSync(f))));
  const total = jsGzip + largestWasm;
  console.log(`  ${what}: ${scripts.length} JS modules ${kb(jsRaw)} (gzip ${kb(jsGzip)}) + largest wasm gzip ${kb(largestWasm)} = ${kb(total)} gzip`);
  return total;
}

/** Entries a page loads together: the gzip size of the modules they load between them plus one wasm; prints it. */
function pageSize(entries: string[], what: string, importMap: Record<string, string> = {}): number {
  const scripts = new Set(entries.flatMap((e) => browserGraph(e, importMap).scripts));
  for (const file of scripts) assert.not.match(readFileSync(file, "utf8"), /from\s*["']node:/, `${file} imports a Node built-in statically`);
  const total = [...scripts].reduce((n, f) => n + gzipBytes(readFileSync(f)), 0) + gzipBytes(readFileSync(join(ROOT, "build/rnn.simd.wasm")));
  console.log(`  ${what} on one page: ${scripts.size} JS modules + one wasm = ${kb(total)} gzip`);
  return total;
}

test("the browser entry (JS + the wasm it loads) is at most 100 KB gzip, with no bare or Node imports", () => {
  const total = entrySize(BROWSER_ENTRY, "browser entry");
  assert.ok(total <= ENTRY_BUDGET_GZIP, `the browser entry is ${kb(total)} gzip, over the 100 KB budget`);
});

test("the tasks entry, with what it loads of the main one, is at most 106 KB gzip; both together are printed", () => {
  const total = entrySize(TASKS_ENTRY, "tasks entry (all it loads)");
  assert.ok(total <= TASKS_BUDGET_GZIP, `the tasks entry is ${kb(total)} gzip, over the 106 KB budget`);
  pageSize([BROWSER_ENTRY, TASKS_ENTRY], "both entries");
});

test("the ONNX importer (wasm-rnn/onnx, with its protobuf reader) is in neither the browser nor the tasks entry", () => {
  for (const entry of [BROWSER_ENTRY, TASKS_ENTRY]) {
    const onnx = browserGraph(entry).scripts.filter((f) => f.includes(`${join("dist", "src", "onnx")}`));
    assert.equal(onnx, [], `${entry.slice(ROOT.length + 1)} loads the ONNX importer`);
  }
});

test("the ONNX entry on a plain page (its import map: protobufjs's prebuilt browser file) is at most 90 KB gzip", () => {
  const total = entrySize(ONNX_ENTRY, "onnx entry (all it loads, protobufjs included)", ONNX_IMPORT_MAP);
  assert.ok(total <= ONNX_BUDGET_GZIP, `the onnx entry is ${kb(total)} gzip, over the ${kb(ONNX_BUDGET_GZIP)} budget`);
});

test("wasm-rnn/onnx and wasm-rnn/onnx/export (exportOnnx, liftOnnx) on one page are at most 120 KB gzip", () => {
  const both = pageSize([ONNX_ENTRY, ONNX_EXPORT_ENTRY], "onnx + onnx/export entries", ONNX_IMPORT_MAP);
  assert.ok(both <= ONNX_BOTH_BUDGET_GZIP, `the two ONNX entries are ${kb(both)} gzip together, over the ${kb(ONNX_BOTH_BUDGET_GZIP)} budget`);
});

test("the TensorFlow.js entry (wasm-rnn/tfjs) on a plain page is at most 75 KB gzip; with wasm-rnn/tfjs/export at most 110 KB", () => {
  const total = entrySize(TFJS_ENTRY, "tfjs entry (all it loads)");
  assert.ok(total <= TFJS_BUDGET_GZIP, `the tfjs entry is ${kb(total)} gzip, over the ${kb(TFJS_BUDGET_GZIP)} budget`);
  const both = pageSize([TFJS_ENTRY, TFJS_EXPORT_ENTRY], "tfjs + tfjs/export entries");
  assert.ok(both <= TFJS_BOTH_BUDGET_GZIP, `the two tfjs entries are ${kb(both)} gzip together, over the ${kb(TFJS_BOTH_BUDGET_GZIP)} budget`);
});

test("the TensorFlow.js importer (wasm-rnn/tfjs) is in neither the browser nor the tasks entry", () => {
  for (const entry of [BROWSER_ENTRY, TASKS_ENTRY]) {
    const tfjs = browserGraph(entry).scripts.filter((f) => f.includes(`${join("dist", "src", "tfjs")}`));
    assert.equal(tfjs, [], `${entry.slice(ROOT.length + 1)} loads the TensorFlow.js importer`);
  }
});

test.run();
