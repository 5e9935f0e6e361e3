// The floors stay apart (docs/architecture.md): src/ knows shapes, names and views; only bindings/ knows
// addresses, the raw kernels and WebAssembly. A line of src/ that reads a pointer, indexes linear memory or
// calls a kernel directly fails here, with the file and line.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url)); // dist/test → the repository
const SRC = join(ROOT, "src");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The code without comments (what the rules are about), line for line. */
function code(text: string): string[] {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " ")).split("\n").map((line) => line.replace(/(^|[^:"'`])\/\/.*$/, "$1"));
}

const RULES: [RegExp, string][] = [
  [/\.ptr\b/, "reads a byte address (use views: bindings/plan.ts)"],
  [/\bheap\.(f32|i32|u32|alloc|release)\b/, "indexes linear memory (use F32Buffer / ops.read / ops.write)"],
  [/\brt\.k\b|\bruntime\(\)\.k\b|\.k\.[a-zA-Z]+\(/, "calls a raw kernel (use rt.ops, bindings/ops.ts)"],
  [/bindings\/(kernels|memory|plan|ops|pool|load|instantiate)\.js/, "imports a bindings file directly (import bindings/index.js)"],
  [/\bmemory\.buffer\b/, "touches the wasm memory's buffer"],
];
/** The entries that must name wasm: workerd's, which imports the builds as modules, and its type declaration. */
const WASM_ALLOWED = new Set(["workerd.ts", "wasm-modules.d.ts"]);

test("src/ computes no address, calls no raw kernel and knows WebAssembly only where an entry must", () => {
  const found: string[] = [];
  for (const path of files(SRC)) {
    const name = relative(SRC, path);
    code(readFileSync(path, "utf8")).forEach((line, i) => {
      for (const [rule, why] of RULES) if (rule.test(line)) found.push(`src/${name}:${i + 1} ${why}: ${line.trim()}`);
      if (/\bWebAssembly\.\w/.test(line) && !WASM_ALLOWED.has(name)) found.push(`src/${name}:${i + 1} uses the WebAssembly API: ${line.trim()}`);
    });
  }
  assert.equal(found, [], found.join("\n"));
  assert.ok(files(SRC).length > 40, "the scan sees the sources");
});

test("the rules catch what they are about (they are not vacuous)", () => {
  const caught = (line: string) => RULES.some(([rule]) => rule.test(code(line)[0]));
  assert.ok(caught("const p = buffer.ptr + 4;"));
  assert.ok(caught("rt.heap.f32(p, n).fill(0);"));
  assert.ok(caught("this.rt.k.gemm(M, N, K, a, 1, 1, b, c, n, false);"));
  assert.ok(caught('import { Heap } from "../../bindings/memory.js";'));
  assert.not.ok(caught("// a comment about .ptr and rt.k.gemm"));
  assert.not.ok(caught("ops.gemm({ C, A: dG.t(), B: X, accumulate: false });"));
});

test.run();
