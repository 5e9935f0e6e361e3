// The "wasm-rnn/onnx" subpath export: every condition names built files, Node resolves the package's own
// name to the entry with loadOnnx, and the workerd variant is the same entry with the workerd init.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, Record<string, { types: string; default: string }>> };

test("./onnx has the conditions ./tasks has, each naming built files", () => {
  const onnx = pkg.exports["./onnx"];
  assert.ok(onnx, "package.json exports ./onnx");
  assert.equal(Object.keys(onnx), Object.keys(pkg.exports["./tasks"]));
  for (const [condition, target] of Object.entries(onnx)) {
    for (const file of [target.default, target.types]) assert.ok(existsSync(join(ROOT, file)), `${condition}: ${file} is built`);
  }
  assert.match(onnx.workerd.default, /onnx\/workerd\.js$/);
});

test('import("wasm-rnn/onnx") in Node gives loadOnnx, init and OnnxModel', async () => {
  const m = await import("wasm-rnn/onnx" as string) as Record<string, unknown>;
  for (const name of ["loadOnnx", "init", "OnnxModel"]) assert.type(m[name], "function", name);
});

test.run();
