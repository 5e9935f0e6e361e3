// Writes bench/models/: the weight sets every peer loads (wasm-rnn's own seeded PyTorch initialisation, under
// PyTorch's names and layouts) and the ONNX models onnxruntime runs, built from the same weights with ONNX's
// LSTM / GRU / MatMul operators. Run by bench/run.mjs when bench/models is missing or out of date.
//
//   node bench/make-onnx.mjs            # needs the built library (npm run build) and bench/node_modules
//
// The protobuf is written by protobufjs from a minimal copy of ONNX's schema (onnx/onnx.proto, the messages and
// field numbers used here, proto2 as upstream). Gate orders: PyTorch LSTM i,f,g,o → ONNX i,o,f,c; PyTorch GRU
// r,z,n → ONNX z,r,h with linear_before_reset=1 (PyTorch's reset-after form). Biases: ONNX B = [Wb, Rb] = the
// reordered [b_ih, b_hh].

import protobuf from "protobufjs";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import {
  MODELS_DIR, BENCH_DIR, WEIGHT_SETS, GATES, fillUniform, writeWeights, reorderGates, seqWeights,
} from "./common.mjs";

const ONNX_SCHEMA = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  repeated float floats = 7;
  repeated int64 ints = 8;
  optional AttributeType type = 20;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message TensorProto {
  enum DataType { UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; INT32 = 6; INT64 = 7; }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}
message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
`;

const FLOAT = 1;
const INT8 = 3;
const IR_VERSION = 8; // ONNX 1.10+
const OPSET = 17;

const root = protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root;
const ModelProto = root.lookupType("onnx.ModelProto");

const tensor = (name, dims, data) => ({
  name, dims, data_type: FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
});
const valueInfo = (name, dims) => ({
  name,
  type: { tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
});
const intAttr = (name, i) => ({ name, type: 2, i });
const stringAttr = (name, s) => ({ name, type: 3, s: new TextEncoder().encode(s) });

const int8Tensor = (name, dims, data) => ({
  name, dims, data_type: INT8, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
});

function writeModel(file, graph, extraOpsets = []) {
  const message = ModelProto.fromObject({
    ir_version: IR_VERSION,
    opset_import: [{ domain: "", version: OPSET }, ...extraOpsets],
    producer_name: "wasm-rnn bench/make-onnx.mjs",
    producer_version: "1",
    graph,
  });
  const err = ModelProto.verify(message);
  if (err) throw new Error(`${file}: ${err}`);
  const bytes = ModelProto.encode(message).finish();
  writeFileSync(path.join(MODELS_DIR, file), bytes);
  return bytes.length;
}

/** W, R, B of an ONNX LSTM / GRU (gate order, layout) from PyTorch-named weights. */
function onnxGates(cell, I, H, p) {
  const G = GATES[cell];
  const order = cell === "lstm" ? [0, 3, 1, 2] : [1, 0, 2]; // PyTorch → ONNX gate order
  const W = reorderGates(p.weight_ih_l0, H, I, order);
  const R = reorderGates(p.weight_hh_l0, H, H, order);
  const Bias = new Float32Array(2 * G * H);
  Bias.set(reorderGates(p.bias_ih_l0, H, 1, order), 0);
  Bias.set(reorderGates(p.bias_hh_l0, H, 1, order), G * H);
  return { G, W, R, Bias };
}

/** An ONNX LSTM or GRU over X [T, B, I] with explicit initial states, from PyTorch-named weights. */
function recurrentModel(name, cell, I, H, p) {
  const { G, W, R, Bias } = onnxGates(cell, I, H, p);
  const lstm = cell === "lstm";
  const node = {
    op_type: lstm ? "LSTM" : "GRU",
    name: `${name}_node`,
    input: lstm ? ["X", "W", "R", "B", "", "initial_h", "initial_c"] : ["X", "W", "R", "B", "", "initial_h"],
    output: lstm ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"],
    attribute: [intAttr("hidden_size", H), stringAttr("direction", "forward"), ...(lstm ? [] : [intAttr("linear_before_reset", 1)])],
  };
  return writeModel(`${name}.onnx`, {
    name,
    node: [node],
    initializer: [tensor("W", [1, G * H, I], W), tensor("R", [1, G * H, H], R), tensor("B", [1, 2 * G * H], Bias)],
    input: [valueInfo("X", ["T", "batch", I]), valueInfo("initial_h", [1, "batch", H]), ...(lstm ? [valueInfo("initial_c", [1, "batch", H])] : [])],
    output: [valueInfo("Y", ["T", 1, "batch", H]), valueInfo("Y_h", [1, "batch", H]), ...(lstm ? [valueInfo("Y_c", [1, "batch", H])] : [])],
  });
}

/**
 * Symmetric int8 quantization of a row-major [N, C] matrix, one scale per row (output channel):
 * scale_n = max |row n| / 127, q = round(x / scale_n) ∈ [−127, 127], zero point 0. Returns q transposed to
 * [C, N] (DynamicQuantizeLSTM's W / R layout) and the N scales.
 */
export function quantizeRowsInt8(data, N, C) {
  const q = new Int8Array(C * N), scale = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let c = 0; c < C; c++) m = Math.max(m, Math.abs(data[n * C + c]));
    const s = m > 0 ? m / 127 : 1;
    scale[n] = s;
    for (let c = 0; c < C; c++) q[c * N + n] = Math.max(-127, Math.min(127, Math.round(data[n * C + c] / s)));
  }
  return { q, scale };
}

/**
 * W1-int8's ONNX model: one com.microsoft DynamicQuantizeLSTM (ONNX Runtime's contrib operator, the one its
 * onnxruntime.quantization.quantize_dynamic puts in place of an LSTM) with int8 W [1, I, 4H] and R [1, H, 4H]
 * (transposed, as quantize_dynamic writes them), per-output-channel scales [1, 4H] and zero points 0; bias,
 * states and activations stay float32 and X / h are quantized to uint8 at run time by the operator. ONNX Runtime
 * has no quantized GRU operator, so there is no W4-int8 model.
 */
function quantizedLstmModel(name, I, H, p) {
  const { G, W, R, Bias } = onnxGates("lstm", I, H, p);
  const w = quantizeRowsInt8(W, G * H, I), r = quantizeRowsInt8(R, G * H, H);
  const node = {
    op_type: "DynamicQuantizeLSTM",
    domain: "com.microsoft",
    name: `${name}_node`,
    input: ["X", "W", "R", "B", "", "initial_h", "initial_c", "", "W_scale", "W_zero_point", "R_scale", "R_zero_point"],
    output: ["Y", "Y_h", "Y_c"],
    attribute: [intAttr("hidden_size", H), stringAttr("direction", "forward")],
  };
  return writeModel(`${name}.onnx`, {
    name,
    node: [node],
    initializer: [
      int8Tensor("W", [1, I, G * H], w.q), int8Tensor("R", [1, H, G * H], r.q), tensor("B", [1, 2 * G * H], Bias),
      tensor("W_scale", [1, G * H], w.scale), int8Tensor("W_zero_point", [1, G * H], new Int8Array(G * H)),
      tensor("R_scale", [1, G * H], r.scale), int8Tensor("R_zero_point", [1, G * H], new Int8Array(G * H)),
    ],
    input: [valueInfo("X", ["T", "batch", I]), valueInfo("initial_h", [1, "batch", H]), valueInfo("initial_c", [1, "batch", H])],
    output: [valueInfo("Y", ["T", 1, "batch", H]), valueInfo("Y_h", [1, "batch", H]), valueInfo("Y_c", [1, "batch", H])],
  }, [{ domain: "com.microsoft", version: 1 }]);
}

function matmulModel(name, K, N, Bmat) {
  return writeModel(`${name}.onnx`, {
    name,
    node: [{ op_type: "MatMul", name: "matmul", input: ["A", "Bmat"], output: ["C"] }],
    initializer: [tensor("Bmat", [K, N], Bmat)],
    input: [valueInfo("A", ["M", K])],
    output: [valueInfo("C", ["M", N])],
  });
}

/** A fingerprint of what the files depend on, so run.mjs can tell when they are stale. */
export function generatorFingerprint() {
  const h = createHash("sha256");
  for (const f of ["make-onnx.mjs", "common.mjs"]) h.update(readFileSync(path.join(BENCH_DIR, f)));
  return h.digest("hex").slice(0, 16);
}

export async function makeModels({ quiet = false } = {}) {
  const { init, RNN, GRU, LSTM, LanguageModel } = await import("../dist/src/index.js");
  await init({ build: "simd" });
  mkdirSync(MODELS_DIR, { recursive: true });
  const log = (s) => { if (!quiet) console.log(s); };
  const manifest = { fingerprint: generatorFingerprint(), created: new Date().toISOString(), files: {} };
  for (const [name, spec] of Object.entries(WEIGHT_SETS)) {
    if (spec.kind === "seq") {
      // W5 / W6: seeded PyTorch-range weights under PyTorch names (no ONNX model: training only)
      const tensors = seqWeights(spec);
      writeWeights(name, tensors, { spec });
      manifest.files[name] = { onnxBytes: 0 };
      log(`  ${name}: ${Object.keys(tensors).join(", ")}`);
      continue;
    }
    let params;
    if (spec.kind === "layer") {
      const Layer = { lstm: LSTM, gru: GRU, rnn: RNN }[spec.cell];
      const layer = new Layer({ inputSize: spec.I, hiddenSize: spec.H, seed: spec.seed });
      params = layer.torchParams();
      layer.dispose();
    } else if (spec.kind === "lm") {
      const lm = new LanguageModel({ vocabSize: spec.V, cell: spec.cell, hiddenSize: spec.H, seed: spec.seed });
      params = lm.torchParams();
      lm.dispose();
    } else {
      params = { B: fillUniform(new Float32Array(spec.K * spec.N), spec.seed) };
    }
    const shapes = {
      weight_ih_l0: [GATES[spec.cell] * spec.H, spec.I], weight_hh_l0: [GATES[spec.cell] * spec.H, spec.H],
      bias_ih_l0: [GATES[spec.cell] * spec.H], bias_hh_l0: [GATES[spec.cell] * spec.H],
      "rnn.weight_ih_l0": [GATES[spec.cell] * spec.H, spec.V], "rnn.weight_hh_l0": [GATES[spec.cell] * spec.H, spec.H],
      "rnn.bias_ih_l0": [GATES[spec.cell] * spec.H], "rnn.bias_hh_l0": [GATES[spec.cell] * spec.H],
      "fc.weight": [spec.V, spec.H], "fc.bias": [spec.V], B: [spec.K, spec.N],
    };
    const tensors = Object.fromEntries(Object.entries(params).map(([k, data]) => [k, { shape: shapes[k], data }]));
    for (const [k, t] of Object.entries(tensors)) {
      if (t.shape.reduce((a, b) => a * b, 1) !== t.data.length) throw new Error(`${name}: ${k} has ${t.data.length} values, shape ${t.shape}`);
    }
    writeWeights(name, tensors, { spec });
    let onnxBytes = 0;
    if (spec.kind === "layer") onnxBytes = recurrentModel(name, spec.cell, spec.I, spec.H, params);
    if (spec.kind === "layer" && spec.int8Onnx) {
      const bytes = quantizedLstmModel(spec.int8Onnx, spec.I, spec.H, params);
      manifest.files[spec.int8Onnx] = { onnxBytes: bytes };
      log(`  ${spec.int8Onnx}.onnx ${(bytes / 1e6).toFixed(2)} MB (DynamicQuantizeLSTM, int8 per-channel)`);
    }
    if (spec.kind === "matrix") onnxBytes = matmulModel(name, spec.K, spec.N, params.B);
    manifest.files[name] = { onnxBytes };
    log(`  ${name}: ${Object.keys(params).join(", ")}${onnxBytes ? `; ${name}.onnx ${(onnxBytes / 1e6).toFixed(2)} MB` : ""}`);
  }
  writeFileSync(path.join(MODELS_DIR, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(BENCH_DIR, "make-onnx.mjs")) {
  console.log(`writing ${MODELS_DIR}`);
  makeModels().catch((e) => { console.error(e); process.exit(1); });
}
