// The kernel registry, bindings/kernels.generated.ts, which scripts/build-wasm.js derives from assembly/index.ts:
// its names are exactly the exports of every build, and every export has a direct test in the file of
// test/kernels that mirrors its AssemblyScript source (assembly/cells/lstm.ts → test/kernels/cells/lstm.test.ts).

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { KERNEL_NAMES } from "../../bindings/kernels.js";
import { BUILDS, defaultWasmUrl, supportsBuild } from "../../bindings/load.js";

const root = new URL("../../../", import.meta.url); // dist/test/bindings → the repository
const sorted = (names: Iterable<string>) => [...names].sort();

/** Every wasm file of the package: the three builds and the shared-memory variants of the SIMD ones. */
const WASM_FILES = [
  ...BUILDS.map((b) => ({ name: b, build: b, url: defaultWasmUrl(b) })),
  ...BUILDS.filter((b) => b !== "scalar").map((b) => ({ name: `${b}-threads`, build: b, url: defaultWasmUrl(b, true) })),
];

const simdExports = () => WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(defaultWasmUrl("simd"))));

test("KERNEL_NAMES lists every export once: exactly the exports of every build this runtime compiles", () => {
  assert.is(new Set(KERNEL_NAMES).size, KERNEL_NAMES.length, "a name listed twice");
  const compiled: string[] = [];
  for (const file of WASM_FILES) {
    const bytes = readFileSync(file.url);
    if (!WebAssembly.validate(bytes)) {
      // relaxed SIMD runs in Node 20 only with --experimental-wasm-relaxed-simd: `npm run test:relaxed` checks those
      assert.ok(file.build === "relaxed" && !supportsBuild("relaxed"), `${file.name}: build/${file.url.pathname.split("/").pop()} does not compile`);
      continue;
    }
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    assert.equal(sorted(exports), sorted(KERNEL_NAMES), `${file.name}: its exports vs KERNEL_NAMES`);
    compiled.push(file.name);
  }
  assert.ok(compiled.includes("simd") && compiled.includes("scalar") && compiled.includes("simd-threads"), `compiled only ${compiled}`);
  if (supportsBuild("relaxed")) assert.ok(compiled.includes("relaxed") && compiled.includes("relaxed-threads"), `compiled only ${compiled}`);
});

/** Each export of assembly/index.ts → the file under assembly/ it comes from ("gemm", "cells/lstm", "index"). */
function exportSources(): Map<string, string> {
  const index = readFileSync(new URL("assembly/index.ts", root), "utf8");
  const sources = new Map<string, string>();
  for (const [, list, file] of index.matchAll(/export\s*\{([^}]*)\}\s*from\s*"\.\/([\w/]+)"/g)) {
    for (const name of list.split(",").map((s) => s.trim()).filter(Boolean)) sources.set(name.split(/\s+as\s+/).pop()!, file);
  }
  for (const [, name] of index.matchAll(/export function (\w+)/g)) sources.set(name, "index");
  sources.set("memory", "index"); // the module's memory: every build exports it, tested beside heapBase
  return sources;
}

/** A TypeScript source without its comments and string literals (code), and the plain string literals. */
function codeAndLiterals(source: string): { code: string; literals: Set<string> } {
  const literals = new Set<string>();
  const code = source.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`/g, (m) => {
    if (m[0] === '"' || m[0] === "'") literals.add(m.slice(1, -1));
    return m[0] === "/" ? " " : '""';
  });
  return { code, literals };
}

test("assembly/index.ts and the generated registry list the same exports (else: npm run build:wasm)", () => {
  assert.equal(sorted(exportSources().keys()), sorted(KERNEL_NAMES));
});

test("every export is used by the test file mirroring its source: a call, a .value read, or a table of kernel names", () => {
  const kinds = new Map(simdExports().map((e) => [e.name, e.kind]));
  const missing: string[] = [];
  const parsed = new Map<string, ReturnType<typeof codeAndLiterals> | null>();
  for (const [name, source] of exportSources()) {
    const file = `test/kernels/${source}.test.ts`;
    if (!parsed.has(file)) {
      const url = new URL(file, root);
      parsed.set(file, existsSync(url) ? codeAndLiterals(readFileSync(url, "utf8")) : null);
    }
    const test = parsed.get(file);
    if (!test) { missing.push(`${name} (no ${file} for assembly/${source}.ts)`); continue; }
    // a call k().gemm(…), a global's k().GEMM_SCRATCH_FLOATS.value, k().memory; or "tanhArray" in a table
    // whose entries the test calls as k()[name](…)
    const use = { function: `\\.${name}\\(`, global: `\\.${name}\\.value\\b`, memory: `\\.${name}\\b` }[kinds.get(name) as string];
    const used = use !== undefined && new RegExp(use).test(test.code);
    if (!used && !(kinds.get(name) === "function" && test.literals.has(name) && /\]\(/.test(test.code))) {
      missing.push(`${name} (not used in ${file})`);
    }
  }
  if (missing.length > 0) assert.unreachable(`exports without a direct test: ${missing.join("; ")}`);
});

test("every test/kernels/**/*.test.ts mirrors a file of assembly/", () => {
  const walk = (dir: string): string[] => readdirSync(new URL(dir, root), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(`${dir}${e.name}/`) : [`${dir}${e.name}`]));
  const tests = walk("test/kernels/").filter((f) => f.endsWith(".test.ts"));
  assert.ok(tests.length > 0, "no tests under test/kernels");
  for (const t of tests) {
    const source = t.replace(/^test\/kernels\//, "assembly/").replace(/\.test\.ts$/, ".ts");
    assert.ok(existsSync(new URL(source, root)), `${t}: no ${source}`);
  }
});

test.run();
