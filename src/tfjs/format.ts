// The TensorFlow.js "layers-model" files: model.json (modelTopology + weightsManifest) and the weight bytes
// its manifest describes. Everything is checked against bounds before anything is allocated: a hostile
// manifest cannot make us read past the bytes we were given, nor take more memory than those bytes hold.

import { describe, shapeText } from "../errors.js";
import { fromF16Bits } from "../quant/f16.js";

/** The largest model.json text we parse (64 MiB), weight tensor (2^28 floats) and weight total (2^31 bytes). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;
export const MAX_ELEMENTS = 2 ** 28;
export const MAX_WEIGHT_BYTES = 2 ** 31;
const MAX_ENTRIES = 100_000;

/** The weight bytes: one buffer (every shard concatenated in manifest order) or the shards by path. */
export type TfjsWeightsInput = ArrayBuffer | Uint8Array | ReadonlyMap<string, ArrayBuffer | Uint8Array> | Readonly<Record<string, ArrayBuffer | Uint8Array>>;

export interface WeightSpec {
  name: string;
  shape: number[];
  /** Index of the manifest group that holds it. */
  group: number;
  /** tensorflowjs_converter --quantize_*: stored as uint8 / uint16 (value = q·scale + min) or float16. */
  quant: { dtype: "uint8" | "uint16" | "float16"; min: number; scale: number } | null;
}

const QUANT_BYTES = { uint8: 1, uint16: 2, float16: 2 } as const;
/** Bytes a weight takes in its shard. */
export const bytesOf = (s: WeightSpec): number => s.shape.reduce((a, b) => a * b, 1) * (s.quant ? QUANT_BYTES[s.quant.dtype] : 4);

export interface ParsedModelJson {
  format: string | null;
  generatedBy: string | null;
  /** modelTopology.keras_version: "3.4.1" from Keras 3, "2.15.0" from Keras 2, "tfjs-layers 4.22.0" from tfjs. */
  kerasVersion: string | null;
  topology: Record<string, unknown>;
  /** The parsed model.json (to hand on without parsing it again). */
  raw: Record<string, unknown>;
  /** The groups' shard paths, in order. */
  groups: string[][];
  specs: WeightSpec[];
}

export interface Weight {
  shape: number[];
  data: Float32Array;
}

export const q = (s: string): string => JSON.stringify(s);

export function fail(message: string): never {
  throw new TypeError(`loadTfjs: ${message}`);
}

/** A JSON object: not null, an array or bytes. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** model.json as text, bytes or an already-parsed object. */
export function parseModelJson(input: unknown): ParsedModelJson {
  let json: unknown = input;
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (bytes.length > MAX_JSON_BYTES) fail(`model.json is ${bytes.length} bytes, more than the ${MAX_JSON_BYTES} this loader reads`);
    json = new TextDecoder().decode(bytes);
  }
  if (typeof json === "string") {
    if (json.length > MAX_JSON_BYTES) fail(`model.json is ${json.length} characters, more than the ${MAX_JSON_BYTES} this loader reads`);
    try {
      json = JSON.parse(json);
    } catch (e) {
      fail(`model.json is not JSON (${(e as Error).message.replace(/[\u0000-\u001f\u2028\u2029]+/g, " ").slice(0, 200)})`);
    }
  }
  if (!isRecord(json)) fail(`model.json must be an object { modelTopology, weightsManifest }, got ${describe(json)}`);
  const format = json.format ?? null;
  if (format !== null && format !== "layers-model") {
    fail(`model.json has format ${q(String(format))}: only "layers-model" (tf.LayersModel.save(), tensorflowjs_converter from Keras) is supported${format === "graph-model" ? "; a graph model is a TensorFlow graph, not Keras layers" : ""}`);
  }
  let topology = json.modelTopology;
  const kerasVersion = isRecord(topology) && typeof topology.keras_version === "string" ? topology.keras_version : null;
  // tensorflowjs_converter of Keras .h5 files nests it once more
  if (isRecord(topology) && isRecord(topology.model_config)) topology = topology.model_config;
  if (!isRecord(topology)) fail(`model.json has no modelTopology object (got ${describe(topology)})`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) fail(`model.json has no weightsManifest array (got ${describe(manifest)})`);
  const groups: string[][] = [], specs: WeightSpec[] = [], names = new Set<string>();
  manifest.forEach((g, gi) => {
    if (!isRecord(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail(`weightsManifest[${gi}] must be { paths: string[], weights: [...] }, got ${describe(g)}`);
    const paths = g.paths.map((p, pi) => {
      if (typeof p !== "string" || p.length === 0 || p.length > 4096) fail(`weightsManifest[${gi}].paths[${pi}] must be a file name, got ${describe(p)}`);
      return p;
    });
    groups.push(paths);
    g.weights.forEach((w, wi) => {
      const where = `weightsManifest[${gi}].weights[${wi}]`;
      if (specs.length >= MAX_ENTRIES) fail(`weightsManifest lists more than ${MAX_ENTRIES} weights`);
      if (!isRecord(w) || typeof w.name !== "string" || w.name.length === 0) fail(`${where} must be { name, shape, dtype }, got ${describe(w)}`);
      const name = w.name;
      if (names.has(name)) fail(`weight ${q(name)} is listed twice in weightsManifest`);
      names.add(name);
      let quant: WeightSpec["quant"] = null;
      if (w.quantization !== undefined && w.quantization !== null) {
        const z = w.quantization as Record<string, unknown>;
        const dtype = isRecord(z) ? z.dtype : undefined;
        if (dtype !== "uint8" && dtype !== "uint16" && dtype !== "float16") fail(`weight ${q(name)} has quantization ${JSON.stringify(w.quantization)}: supported are uint8, uint16 (with min and scale) and float16`);
        const min = dtype === "float16" ? 0 : z.min, scale = dtype === "float16" ? 1 : z.scale;
        if (typeof min !== "number" || typeof scale !== "number" || !Number.isFinite(min) || !Number.isFinite(scale)) fail(`weight ${q(name)} is quantized as ${dtype} without finite numbers min and scale (got ${describe(min)}, ${describe(scale)})`);
        quant = { dtype, min, scale };
      }
      if (w.dtype !== "float32") fail(`weight ${q(name)} has dtype ${describe(w.dtype)}: only "float32" weights are supported (no layer loaded here has integer weights)`);
      if (!Array.isArray(w.shape) || w.shape.length > 8) fail(`weight ${q(name)} has shape ${describe(w.shape)}, expected an array of at most 8 sizes`);
      const shape = w.shape.map((d) => {
        if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0 || d > MAX_ELEMENTS) fail(`weight ${q(name)} has shape ${JSON.stringify(w.shape)}, expected sizes that are integers in [0, 2^28]`);
        return d;
      });
      const n = shape.reduce((a, b) => a * b, 1);
      if (n > MAX_ELEMENTS) fail(`weight ${q(name)} has shape ${shapeText(shape)}: ${n} values, more than this loader takes (2^28)`);
      specs.push({ name, shape, group: gi, quant });
    });
  });
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return { format: str(format), generatedBy: str(json.generatedBy), kerasVersion, topology, raw: json, groups, specs };
}

const elementsOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function asBytes(v: unknown, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  fail(`${what} must be an ArrayBuffer or Uint8Array, got ${describe(v)}`);
}

/** Every weight by name, cut from the bytes of its group (float32 little-endian, in manifest order). */
export function decodeWeights(parsed: ParsedModelJson, input: unknown): Map<string, Weight> {
  const groupBytes = parsed.groups.map(() => 0);
  for (const s of parsed.specs) groupBytes[s.group] += bytesOf(s);
  const total = groupBytes.reduce((a, b) => a + b, 0);
  const floats = parsed.specs.reduce((n, s) => n + elementsOf(s.shape), 0);
  if (total > MAX_WEIGHT_BYTES || 4 * floats > MAX_WEIGHT_BYTES) fail(`weightsManifest describes ${floats} weight values (${total} bytes), more than this loader takes (2 GiB of float32)`);
  let shards: Uint8Array[];
  if (input instanceof ArrayBuffer || input instanceof Uint8Array) {
    const all = asBytes(input, "weights");
    if (all.length !== total) fail(`the weights are ${all.length} bytes, but weightsManifest describes ${total} (${parsed.specs.length} tensors): a truncated or mismatched weights file`);
    let offset = 0;
    shards = groupBytes.map((n) => all.subarray(offset, (offset += n)));
  } else if (input instanceof Map || isRecord(input)) {
    // own keys only: a manifest path "toString" or "__proto__" is a missing shard, not Object's
    const get = (path: string): unknown => (input instanceof Map ? input.get(path) : Object.prototype.hasOwnProperty.call(input, path) ? (input as Record<string, unknown>)[path] : undefined);
    const known = new Set(parsed.groups.flat());
    const keys = input instanceof Map ? [...input.keys()] : Object.keys(input);
    const extra = keys.find((k) => !known.has(k));
    if (extra !== undefined) fail(`weights has a shard ${describe(extra)} that weightsManifest does not name (it names ${[...known].map(q).join(", ")})`);
    shards = parsed.groups.map((paths, gi) => {
      const parts = paths.map((p) => {
        const v = get(p);
        if (v === undefined) fail(`weights has no shard ${q(p)} (named by weightsManifest[${gi}])`);
        return asBytes(v, `weights shard ${q(p)}`);
      });
      const n = parts.reduce((a, b) => a + b.length, 0);
      if (n !== groupBytes[gi]) fail(`the shards of weightsManifest[${gi}] (${paths.map(q).join(", ")}) are ${n} bytes, but its weights take ${groupBytes[gi]}`);
      if (parts.length === 1) return parts[0];
      const joined = new Uint8Array(n);
      let o = 0;
      for (const p of parts) { joined.set(p, o); o += p.length; }
      return joined;
    });
  } else {
    fail(`weights must be an ArrayBuffer, a Uint8Array, or a Map / object of shard bytes by path, got ${describe(input)}`);
  }
  const out = new Map<string, Weight>();
  const offsets = parsed.groups.map(() => 0);
  for (const s of parsed.specs) {
    const n = elementsOf(s.shape), size = bytesOf(s), at = offsets[s.group];
    const bytes = shards[s.group].subarray(at, at + size);
    offsets[s.group] += size;
    out.set(s.name, { shape: s.shape, data: decode(bytes, n, s.quant) });
  }
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** float32 (little-endian), or a quantized weight's values as tfjs dequantizes them. */
function decode(bytes: Uint8Array, n: number, quant: WeightSpec["quant"]): Float32Array {
  const data = new Float32Array(n);
  // float32 on a little-endian host (all of them, in practice): one copy of the bytes
  if (quant === null && LITTLE_ENDIAN) {
    new Uint8Array(data.buffer).set(bytes);
    return data;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (quant === null) for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
  else if (quant.dtype === "uint8") for (let i = 0; i < n; i++) data[i] = bytes[i] * quant.scale + quant.min;
  else if (quant.dtype === "uint16") for (let i = 0; i < n; i++) data[i] = view.getUint16(2 * i, true) * quant.scale + quant.min;
  else for (let i = 0; i < n; i++) data[i] = fromF16Bits(view.getUint16(2 * i, true));
  return data;
}
