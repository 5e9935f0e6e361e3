// The "wasm-rnn/tfjs" subpath export: every condition names built files, Node resolves the package's own
// name to the entry with loadTfjs and loadTfjsFolder, the browser entry has no Node imports, and the workerd
// variant is the same entry with the workerd init.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, Record<string, { types: string; default: string }>> };

test("./tfjs has the conditions ./onnx has, each naming built files", () => {
  const tfjs = pkg.exports["./tfjs"];
  assert.ok(tfjs, "package.json exports ./tfjs");
  assert.equal(Object.keys(tfjs), Object.keys(pkg.exports["./onnx"]));
  for (const [condition, target] of Object.entries(tfjs)) {
    for (const file of [target.default, target.types]) assert.ok(existsSync(join(ROOT, file)), `${condition}: ${file} is built`);
  }
  assert.match(tfjs.workerd.default, /tfjs\/workerd\.js$/);
  assert.match(tfjs.node.default, /tfjs\/node\.js$/);
  assert.match(tfjs.browser.default, /tfjs\/index\.js$/);
});

test('import("wasm-rnn/tfjs") in Node gives loadTfjs, loadTfjsFolder, loadTfjsUrl, saveTfjsFolder; "wasm-rnn/tfjs/export" exportTfjs, toWasmRnnModel', async () => {
  const m = await import("wasm-rnn/tfjs" as string) as Record<string, unknown>;
  assert.equal(Object.keys(m).sort(), ["TfjsModel", "init", "loadTfjs", "loadTfjsFolder", "loadTfjsUrl", "saveTfjsFolder"]);
  for (const name of Object.keys(m)) assert.type(m[name], "function", name);
  const out = await import("wasm-rnn/tfjs/export" as string) as Record<string, unknown>;
  assert.equal(Object.keys(out).sort(), ["exportTfjs", "toWasmRnnModel"]);
  const entry = pkg.exports["./tfjs/export"] as unknown as { types: string; default: string };
  for (const file of [entry.default, entry.types]) assert.ok(existsSync(join(ROOT, file)), `./tfjs/export: ${file} is built`);
});

test("the browser entry of wasm-rnn/tfjs imports nothing from Node", () => {
  const seen = new Set<string>(), queue = [join(ROOT, "dist/src/tfjs/index.js")];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    assert.not.match(text, /from\s*["']node:/, `${file} imports a Node built-in`);
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*["'](\.[^"']+)["']/g)) queue.push(resolve(dirname(file), m[1]));
  }
  assert.ok(seen.size > 5);
});

test.run();
