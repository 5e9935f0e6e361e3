// What the documentation promises, checked:
// - every ```ts block of README.md and docs/*.md type-checks (strict) against the built package, imported as
//   "wasm-rnn" through package.json's `exports`, as a user's file would import it;
// - every link points at a file (and heading) of the repository, and nothing points outside it;
// - README.md stays within 12 KB.
//
// The blocks never touch the disk: each is a virtual file `<repo>/.docs-examples/<page>-<n>.ts` served to the
// TypeScript compiler API, so "wasm-rnn" resolves to the package itself (self-reference: dist/src/node.d.ts
// under the "node" condition). A block that is deliberately partial declares what it uses on a leading
// `declare const x: …;` line; a block marked ```ts nocheck is skipped.
//
// Nothing here depends on the wasm build, so it runs once: in test:simd. test:relaxed and test:scalar set
// WASM_RNN_BUILD, and there it skips.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The repository (this file runs as dist/test/docs/examples.test.js). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const README_LIMIT = 12 * 1024;
const ONCE = process.env.WASM_RNN_BUILD === undefined;

/** The pages whose examples are checked, relative to the repository. */
function pages(): string[] {
  const docs = readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`);
  return ["README.md", ...docs];
}

interface Block {
  page: string;
  /** 1-based line of the block's first code line in the page. */
  line: number;
  /** Position among the page's ts blocks, from 1. */
  index: number;
  code: string;
}

/** The fenced code blocks of a page, with their info strings; the fence's indentation is removed from each line. */
function fencedBlocks(page: string, text: string): (Block & { info: string })[] {
  const lines = text.split("\n");
  const blocks: (Block & { info: string })[] = [];
  let count = 0;
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      if (lines[j].trim() === fence) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    const isTs = /^(ts|typescript)\b/.test(info.trim());
    blocks.push({ page, line: i + 2, index: isTs ? ++count : 0, code: body.join("\n"), info: info.trim() });
    i = j;
  }
  return blocks;
}

function tsBlocks(): Block[] {
  const out: Block[] = [];
  for (const page of pages()) {
    for (const b of fencedBlocks(page, readFileSync(join(ROOT, page), "utf8"))) {
      if (b.index === 0 || /\bnocheck\b/.test(b.info)) continue;
      out.push(b);
    }
  }
  return out;
}

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: ["node"],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

test("every ts example in README.md and docs/*.md type-checks against the package", () => {
  if (!ONCE) {
    console.log(`  skipped: the docs are checked once, in test:simd (this run is the ${process.env.WASM_RNN_BUILD} build)`);
    return;
  }
  assert.ok(existsSync(join(ROOT, "dist/src/node.d.ts")), "dist/src/node.d.ts is missing: run npm run build first");
  const started = performance.now();
  const blocks = tsBlocks();
  assert.ok(blocks.filter((b) => b.page === "README.md").length >= 3, "README.md should have its ts examples");

  const virtual = new Map<string, Block>();
  for (const b of blocks) {
    const name = `${b.page.replace(/[/.]/g, "-")}-${b.index}.ts`;
    virtual.set(join(ROOT, ".docs-examples", name), b);
  }
  const host = ts.createCompilerHost(OPTIONS, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
    const b = virtual.get(resolve(file));
    return b ? ts.createSourceFile(file, b.code, languageVersion, true) : getSourceFile.call(host, file, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (file) => virtual.has(resolve(file)) || fileExists.call(host, file);
  host.readFile = (file) => virtual.get(resolve(file))?.code ?? readFile.call(host, file);

  const program = ts.createProgram([...virtual.keys()], OPTIONS, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n    ");
    const b = d.file ? virtual.get(resolve(d.file.fileName)) : undefined;
    if (!d.file || d.start === undefined) return `TS${d.code}: ${message}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    if (!b) return `${relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}: TS${d.code}: ${message}`;
    const source = b.code.split("\n")[line]?.trim() ?? "";
    return `${b.page}:${b.line + line}:${character + 1} (ts block ${b.index} of ${b.page}): TS${d.code}: ${message}\n    > ${source}`;
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(`  ${blocks.length} ts blocks from ${new Set(blocks.map((b) => b.page)).size} pages type-checked in ${seconds.toFixed(1)} s`);
  if (problems.length > 0) assert.unreachable(`${problems.length} type error(s) in the documentation's examples:\n  ${problems.join("\n  ")}`);
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, "").replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/^([ \t]*)(`{3,})[\s\S]*?^\1\2[ \t]*$/gm, "");
  return new Set([...text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)].map((m) => slug(m[1])));
}

test("links point at files and headings of the repository, and nothing points outside it", () => {
  if (!ONCE) return;
  const problems: string[] = [];
  for (const page of [...pages(), "bench/data/README.md"]) {
    const file = join(ROOT, page);
    const raw = readFileSync(file, "utf8");
    for (const bad of ["../shared", "/work/"]) {
      if (raw.includes(bad)) problems.push(`${page} mentions ${bad}, which a clone does not have`);
    }
    // links outside code: fenced blocks and code spans removed (their lines kept, so counts stay right)
    const text = raw.replace(/^([ \t]*)(`{3,})[\s\S]*?^\1\2[ \t]*$/gm, (m) => m.replace(/[^\n]/g, " ")).replace(/`[^`\n]*`/g, "``");
    for (const m of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)|<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g)) {
      const target = m[1] ?? m[2];
      const line = text.slice(0, m.index).split("\n").length;
      const where = `${page}:${line}: ${target}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        problems.push(`${where} points outside the repository`);
        continue;
      }
      const [path, anchor] = target.split("#");
      const linked = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
      if (linked !== ROOT && !linked.startsWith(ROOT + sep)) problems.push(`${where} points outside the repository`);
      else if (/^(dist|build|node_modules)\b/.test(relative(ROOT, linked))) problems.push(`${where} is a generated file, not in a clone`);
      else if (!existsSync(linked)) problems.push(`${where} does not exist`);
      else if (anchor && statSync(linked).isFile() && linked.endsWith(".md") && !anchors(linked).has(anchor)) {
        problems.push(`${where}: no heading "#${anchor}" in ${relative(ROOT, linked)}`);
      }
    }
  }
  if (problems.length > 0) assert.unreachable(`${problems.length} bad link(s):\n  ${problems.join("\n  ")}`);
});

test(`README.md is at most ${README_LIMIT} bytes`, () => {
  if (!ONCE) return;
  const size = statSync(join(ROOT, "README.md")).size;
  assert.ok(size <= README_LIMIT, `README.md has ${size} bytes; the limit is ${README_LIMIT}: move detail into docs/`);
});

test.run();
