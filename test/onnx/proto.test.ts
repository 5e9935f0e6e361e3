// The protobuf walker (src/onnx/proto.ts) reads what protobufjs's own reflection reads: every fixture model
// decodes to the same fields through protobufjs/light with the same descriptor, and what the writer writes
// decodes back.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs/light.js";
import { decodeMessage, encodeMessage, pickProtobuf, type Message } from "../../src/onnx/proto.js";
import { createRequire } from "node:module";
import { ONNX_MESSAGES } from "../../src/onnx/schema.js";

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), "../../.."), "test/fixtures/interop/onnx");

/** The descriptor as protobufjs nests it: "TypeProto.Tensor" is type Tensor inside TypeProto. */
function lightRoot(): protobuf.Root {
  const nested: Record<string, { fields: Record<string, unknown>; nested?: Record<string, unknown> }> = {};
  for (const [name, desc] of Object.entries(ONNX_MESSAGES)) {
    const [outer, inner] = name.split(".");
    const fields = Object.fromEntries(Object.entries(desc.fields).map(([k, f]) => [k, { ...f, type: f.type.includes(".") ? f.type.split(".")[1] : f.type }]));
    if (inner) {
      nested[outer] ??= { fields: {} };
      (nested[outer].nested ??= {})[inner] = { fields };
    } else nested[outer] = { ...(nested[outer] ?? {}), fields };
  }
  return protobuf.Root.fromJSON({ nested } as protobuf.INamespace);
}

/**
 * Plain values for comparison: Longs and bigints as numbers, bytes as arrays, empty repeated fields dropped, and
 * zeros and empty strings dropped (protobufjs's toObject leaves out fields equal to their default; ONNX is
 * proto2, where a field set to 0 is present, as the walker keeps it).
 */
function plain(v: unknown): unknown {
  if (v === null || v === undefined || v === 0 || v === "") return undefined;
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return Array.from(v);
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(plain);
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("low" in o && "high" in o && "unsigned" in o) return Number(BigInt.asIntN(64, (BigInt(o.high as number >>> 0) << 32n) | BigInt(o.low as number >>> 0)));
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) {
      const p = plain(o[k]);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return v;
}

test("every fixture decodes as protobufjs's reflection decodes it", () => {
  const Model = lightRoot().lookupType("ModelProto");
  const files = readdirSync(DIR).filter((f) => f.endsWith(".onnx"));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(join(DIR, f)));
    const ours = decodeMessage("ModelProto", bytes);
    const theirs = Model.toObject(Model.decode(bytes), { longs: Number, defaults: false, arrays: false });
    const a = JSON.stringify(plain(ours)), b = JSON.stringify(plain(theirs));
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.ok(a === b, `${f}: differs at ${i}: ours …${a.slice(Math.max(0, i - 80), i + 80)}… protobufjs …${b.slice(Math.max(0, i - 80), i + 80)}…`);
  }
});

test("what the writer writes decodes back, int64 beyond 2^53 included", () => {
  const msg: Message = {
    ir_version: 8, opset_import: [{ domain: "", version: 14 }],
    graph: { name: "g", node: [{ op_type: "Slice", input: ["a"], output: ["b"], attribute: [{ name: "ends", type: 7, ints: [9223372036854775807n, -1] }] }] },
  };
  const back = decodeMessage("ModelProto", encodeMessage("ModelProto", msg));
  const attr = ((back.graph as Message).node as Message[])[0].attribute as Message[];
  assert.equal(attr[0].ints, [9223372036854775807n, -1]);
  assert.equal(back.ir_version, 8);
  assert.equal((back.opset_import as Message[])[0].version, 14);
});

test("damaged input throws (the model decoder turns it into one sentence)", () => {
  assert.throws(() => decodeMessage("ModelProto", Uint8Array.of(0x3a, 0x7f, 1, 2)), /index out of range/);
  assert.throws(() => decodeMessage("ModelProto", Uint8Array.of(0x0f)), /wire type|invalid/);
  // nesting deeper than the walker allows: a graph → node → attribute → graph … chain
  let graph: Message = { name: "x" };
  for (let i = 0; i < 40; i++) graph = { node: [{ attribute: [{ name: "g", type: 5, g: graph }] }] };
  const inner = encodeMessage("GraphProto", graph);
  assert.throws(() => decodeMessage("GraphProto", inner), /nested deeper/);
});

test("protobufjs is the module's default export (Node, Deno, Bun, bundlers) or the global its prebuilt browser file sets (import map)", () => {
  const require = createRequire(import.meta.url);
  const minimal = require("protobufjs/minimal.js") as { Reader: unknown };
  // protobufjs's own browser build, evaluated as a classic script would be: it assigns protobuf to its global
  const sandbox: { protobuf?: unknown } = {};
  new Function("window", "self", "global", "module", "define", readFileSync(require.resolve("protobufjs/dist/minimal/protobuf.min.js"), "utf8"))(sandbox, undefined, undefined, undefined, undefined);
  assert.ok(sandbox.protobuf, "protobuf.min.js sets window.protobuf");
  assert.is(pickProtobuf({ default: minimal }, sandbox), minimal, "the module's default first");
  const fromGlobal = pickProtobuf({}, sandbox);
  assert.is(fromGlobal, sandbox.protobuf);
  const w = fromGlobal.Writer.create();
  w.uint32(300);
  assert.is(fromGlobal.Reader.create(w.finish()).uint32(), 300, "the browser build reads and writes");
  assert.throws(() => pickProtobuf({}, {}), /"protobufjs\/minimal\.js" gave no Reader\/Writer: map it to protobufjs\/dist\/minimal\/protobuf\.min\.js/);
  assert.throws(() => pickProtobuf({ default: {} }, {}), /gave no Reader\/Writer/);
});

test.run();
