// Hand-made layers-model files and a float64 reference of what Keras (tfjs-layers) computes for them,
// written from the Keras formulas on the Keras weight layouts (kernels x·K [I, G·H], gates i,f,c,o / z,r,h,
// one bias or reset_after's [2, 3H]), independently of the loader's conversion to PyTorch's layouts.
// Masks (Embedding mask_zero, Masking) as tfjs-layers applies them: a masked step outputs the state before it
// and leaves the state as is.

export interface KWeight { name: string; shape: number[]; data: Float32Array }
export interface KLayer { class_name: string; config: Record<string, unknown>; weights: KWeight[] }

/** Deterministic uniform(-a, a) floats (a tiny LCG: the test needs repeatable weights, not good randomness). */
export function floats(n: number, seed: number, a = 0.6): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * a;
  }
  return out;
}

let seedCounter = 1;
const w = (name: string, shape: number[], a = 0.6): KWeight => ({ name, shape, data: floats(shape.reduce((x, y) => x * y, 1), 7919 * seedCounter++, a) });

export function embedding(name: string, V: number, E: number, maskZero: boolean): KLayer {
  return { class_name: "Embedding", config: { name, input_dim: V, output_dim: E, mask_zero: maskZero, batch_input_shape: [null, null] }, weights: [w(`${name}/embeddings`, [V, E])] };
}

export interface RecurrentSpec {
  cls: "LSTM" | "GRU" | "SimpleRNN";
  units: number;
  inputSize: number;
  activation?: string;
  recurrent_activation?: string;
  return_sequences?: boolean;
  go_backwards?: boolean;
  reset_after?: boolean;
  use_bias?: boolean;
  first?: boolean;
  zero_output_for_mask?: boolean;
}

function recurrentConfig(name: string, s: RecurrentSpec): Record<string, unknown> {
  const c: Record<string, unknown> = {
    name, units: s.units, activation: s.activation ?? "tanh", use_bias: s.use_bias ?? true,
    return_sequences: s.return_sequences ?? false, go_backwards: s.go_backwards ?? false, dropout: 0, recurrent_dropout: 0,
  };
  if (s.cls !== "SimpleRNN") c.recurrent_activation = s.recurrent_activation ?? "sigmoid";
  if (s.cls === "GRU") c.reset_after = s.reset_after ?? false;
  if (s.first) c.batch_input_shape = [null, null, s.inputSize];
  if (s.zero_output_for_mask !== undefined) c.zero_output_for_mask = s.zero_output_for_mask;
  return c;
}

function recurrentWeights(path: string, s: RecurrentSpec): KWeight[] {
  const G = s.cls === "LSTM" ? 4 : s.cls === "GRU" ? 3 : 1, GH = G * s.units;
  const out = [w(`${path}/kernel`, [s.inputSize, GH]), w(`${path}/recurrent_kernel`, [s.units, GH])];
  if (s.use_bias ?? true) out.push(w(`${path}/bias`, s.cls === "GRU" && s.reset_after ? [2, GH] : [GH], 0.4));
  return out;
}

export function recurrent(name: string, s: RecurrentSpec): KLayer {
  return { class_name: s.cls, config: recurrentConfig(name, s), weights: recurrentWeights(name, s) };
}

export function bidirectional(name: string, s: RecurrentSpec, merge: string): KLayer {
  const inner = `${name}_inner`;
  const config: Record<string, unknown> = { name, merge_mode: merge, layer: { class_name: s.cls, config: recurrentConfig(inner, { ...s, first: false }) } };
  if (s.first) config.batch_input_shape = [null, null, s.inputSize];
  return { class_name: "Bidirectional", config, weights: [...recurrentWeights(`${name}/forward_${inner}`, s), ...recurrentWeights(`${name}/backward_${inner}`, s)] };
}

export function dense(name: string, K: number, N: number, activation: string, useBias = true): KLayer {
  const weights = [w(`${name}/kernel`, [K, N])];
  if (useBias) weights.push(w(`${name}/bias`, [N], 0.3));
  return { class_name: "Dense", config: { name, units: N, activation, use_bias: useBias }, weights };
}

/** model.json (parsed) and the one weights buffer, as tfjs's model.save() would write them. */
export function layersModel(layers: KLayer[]): { modelJson: Record<string, unknown>; weights: Uint8Array } {
  const all = layers.flatMap((l) => l.weights);
  const buf = new Float32Array(all.reduce((n, x) => n + x.data.length, 0));
  let o = 0;
  for (const x of all) { buf.set(x.data, o); o += x.data.length; }
  return {
    modelJson: {
      format: "layers-model", generatedBy: "test", convertedBy: null,
      modelTopology: { class_name: "Sequential", config: { name: "seq", layers: layers.map((l) => ({ class_name: l.class_name, config: l.config })) } },
      weightsManifest: [{ paths: ["weights.bin"], weights: all.map((x) => ({ name: x.name, shape: x.shape, dtype: "float32" })) }],
    },
    weights: new Uint8Array(buf.buffer),
  };
}

/**
 * The same layers as Keras 3 writes them and tensorflowjs_converter passes them on: a Functional model_config
 * inside modelTopology, an InputLayer with batch_shape, DTypePolicy objects, "__keras_tensor__" inbound nodes,
 * zero_output_for_mask on every recurrent layer, a Bidirectional whose layer is named forward_<name> (with
 * zero_output_for_mask = return_sequences, as Keras sets it) beside the backward_layer it made, and weights
 * under "<layer>/<cell>_cell/". Returns the layers with those configs (for kerasPredict) and the files.
 */
export function keras3Model(layers: KLayer[]): { layers: KLayer[]; modelJson: Record<string, unknown>; weights: Uint8Array } {
  const dtype = { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null };
  const cell = (cls: string) => (cls === "SimpleRNN" ? "simple_rnn" : cls.toLowerCase());
  const inCell = (x: KWeight, prefix: string, cls: string): KWeight => ({ ...x, name: `${prefix}/${cell(cls)}_cell/${x.name.slice(prefix.length + 1)}` });
  const first = layers[0].config, shape = (first.batch_input_shape ?? (first.layer as { config: { batch_input_shape?: unknown } } | undefined)?.config.batch_input_shape) as unknown[];
  const out = layers.map((l): KLayer => {
    const { batch_input_shape: _, ...config } = l.config;
    if (l.class_name === "Bidirectional") {
      const inner = config.layer as { class_name: string; config: Record<string, unknown> };
      const name = String(inner.config.name), ret = inner.config.return_sequences === true;
      const fwd = { ...inner.config, name: `forward_${name}`, dtype, zero_output_for_mask: ret };
      const half = l.weights.length / 2, prefix = (d: string) => `${String(config.name)}/${d}_${name}`;
      return {
        class_name: "Bidirectional",
        config: { ...config, dtype, layer: { module: "keras.layers", class_name: inner.class_name, config: fwd, registered_name: null },
          backward_layer: { module: "keras.layers", class_name: inner.class_name, config: { ...fwd, name: `backward_${name}`, go_backwards: true }, registered_name: null } },
        weights: [...l.weights.slice(0, half).map((x) => inCell(x, prefix("forward"), inner.class_name)), ...l.weights.slice(half).map((x) => inCell(x, prefix("backward"), inner.class_name))],
      };
    }
    const recurrent = ["LSTM", "GRU", "SimpleRNN"].includes(l.class_name);
    return {
      class_name: l.class_name,
      config: { ...config, dtype, ...(recurrent ? { zero_output_for_mask: config.zero_output_for_mask ?? false } : {}) },
      weights: recurrent ? l.weights.map((x) => inCell(x, String(config.name), l.class_name)) : l.weights,
    };
  });
  const { weights } = layersModel(out);
  const names = ["input_layer", ...out.map((l) => String(l.config.name))];
  const nodes = out.map((l, i) => ({
    // a copy: a test that edits the file must not edit the reference's layers
    module: "keras.layers", class_name: l.class_name, config: structuredClone(l.config), registered_name: null, name: names[i + 1],
    inbound_nodes: [{ args: [{ class_name: "__keras_tensor__", config: { shape, dtype: "float32", keras_history: [names[i], 0, 0] } }], kwargs: {} }],
  }));
  const input = { class_name: "InputLayer", config: { batch_shape: shape, dtype: out[0].class_name === "Embedding" ? "int32" : "float32", sparse: false, name: "input_layer" }, name: "input_layer", inbound_nodes: [] };
  return {
    layers: out,
    modelJson: {
      format: "layers-model", generatedBy: "keras v3.4.1", convertedBy: "TensorFlow.js Converter v4.22.0",
      modelTopology: {
        keras_version: "3.4.1", backend: "tensorflow",
        model_config: { class_name: "Functional", config: { name: "functional", trainable: true, layers: [input, ...nodes], input_layers: [["input_layer", 0, 0]], output_layers: [[names[names.length - 1], 0, 0]] } },
        training_config: { loss: "mse", optimizer_config: { class_name: "Adam", config: {} } },
      },
      weightsManifest: [{ paths: ["group1-shard1of1.bin"], weights: out.flatMap((l) => l.weights).map((x) => ({ name: x.name, shape: x.shape, dtype: "float32" })) }],
    },
    weights,
  };
}

// ---- the float64 reference ----

type Seq = number[][][]; // [B][T][F]
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const hardSigmoid = (x: number) => Math.min(1, Math.max(0, 0.2 * x + 0.5));
function act(name: string, x: number): number {
  switch (name) {
    case "tanh": return Math.tanh(x);
    case "relu": return Math.max(0, x);
    case "sigmoid": return sigmoid(x);
    case "hard_sigmoid": return hardSigmoid(x);
    case "linear": return x;
    default: throw new Error(`reference: no activation ${name}`);
  }
}

/** x·K[:, c0:c0+n] for one row x. */
function mulCols(x: number[], K: Float32Array, cols: number, c0: number, n: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < n; j++) out[j] += x[i] * K[i * cols + c0 + j];
  return out;
}

/** One Keras recurrent layer over one sequence (with its mask); returns every step's output. */
function runLayer(cls: string, c: Record<string, unknown>, ws: KWeight[], xs: number[][], mask: boolean[], backwards: boolean): number[][] {
  const H = c.units as number, ra = (c.recurrent_activation as string) ?? "hard_sigmoid", a = c.activation as string;
  const [K, R, Bw] = [ws[0].data, ws[1].data, ws[2]?.data];
  const G = cls === "LSTM" ? 4 : cls === "GRU" ? 3 : 1, GH = G * H;
  const resetAfter = cls === "GRU" && c.reset_after === true;
  const bias = (row: number, j: number) => (Bw ? Bw[row * GH + j] : 0);
  let h = new Array<number>(H).fill(0), cell = new Array<number>(H).fill(0);
  const order = backwards ? xs.map((_, t) => xs.length - 1 - t) : xs.map((_, t) => t);
  const outs: number[][] = [];
  for (const t of order) {
    const x = xs[t];
    // a masked step keeps the state; it outputs that state, or zeros with zero_output_for_mask
    if (!mask[t]) { outs.push(c.zero_output_for_mask === true ? new Array<number>(H).fill(0) : h.slice()); continue; }
    const xk = mulCols(x, K, GH, 0, GH).map((v, j) => v + bias(0, j));
    let nh: number[];
    if (cls === "LSTM") {
      const z = mulCols(h, R, GH, 0, GH).map((v, j) => v + xk[j]);
      const nc = h.map((_, j) => act(ra, z[H + j]) * cell[j] + act(ra, z[j]) * act(a, z[2 * H + j]));
      nh = h.map((_, j) => act(ra, z[3 * H + j]) * act(a, nc[j]));
      cell = nc;
    } else if (cls === "GRU") {
      if (resetAfter) {
        const inner = mulCols(h, R, GH, 0, GH).map((v, j) => v + bias(1, j));
        const z = h.map((_, j) => act(ra, xk[j] + inner[j])), r = h.map((_, j) => act(ra, xk[H + j] + inner[H + j]));
        const hh = h.map((_, j) => act(a, xk[2 * H + j] + r[j] * inner[2 * H + j]));
        nh = h.map((hj, j) => z[j] * hj + (1 - z[j]) * hh[j]);
      } else {
        const hz = mulCols(h, R, GH, 0, H), hr = mulCols(h, R, GH, H, H);
        const z = h.map((_, j) => act(ra, xk[j] + hz[j])), r = h.map((_, j) => act(ra, xk[H + j] + hr[j]));
        const rh = mulCols(h.map((hj, j) => r[j] * hj), R, GH, 2 * H, H);
        const hh = h.map((_, j) => act(a, xk[2 * H + j] + rh[j]));
        nh = h.map((hj, j) => z[j] * hj + (1 - z[j]) * hh[j]);
      }
    } else {
      nh = mulCols(h, R, GH, 0, GH).map((v, j) => act(a, v + xk[j]));
    }
    h = nh;
    outs.push(h.slice());
  }
  return outs;
}

/** Keras's predict of `layers` on ids [B][T] (an Embedding first) or features [B][T][F], in float64. */
export function kerasPredict(layers: KLayer[], input: number[][] | Seq): { data: number[]; shape: number[] } {
  let x: Seq | number[][] = input;
  let mask: boolean[][] | null = null, steps = true;
  for (const l of layers) {
    const c = l.config;
    if (l.class_name === "Embedding") {
      const ids = input as number[][], E = c.output_dim as number, table = l.weights[0].data;
      x = ids.map((row) => row.map((id) => Array.from(table.subarray(id * E, (id + 1) * E))));
      if (c.mask_zero) mask = ids.map((row) => row.map((id) => id !== 0));
    } else if (l.class_name === "Dense") {
      const K = l.weights[0].data, N = c.units as number, b = l.weights[1]?.data;
      const one = (row: number[]) => denseAct(c.activation as string, mulCols(row, K, N, 0, N).map((v, j) => v + (b ? b[j] : 0)));
      x = steps ? (x as Seq).map((s) => s.map(one)) : (x as number[][]).map(one);
    } else if (l.class_name === "Masking") {
      // a step is masked when every feature equals mask_value; tfjs multiplies the features by the mask
      const v = (c.mask_value as number | undefined) ?? 0, seqs = x as Seq;
      mask = seqs.map((s) => s.map((row) => row.some((f) => f !== v)));
      x = seqs.map((s, b) => s.map((row, t) => row.map((f) => f * (mask![b][t] ? 1 : 0))));
    } else if (l.class_name === "Dropout") {
      // identity in predict
    } else if (l.class_name === "Activation") {
      const one = (row: number[]) => denseAct(c.activation as string, row);
      x = steps ? (x as Seq).map((s) => s.map(one)) : (x as number[][]).map(one);
    } else {
      const seqs = x as Seq, T = seqs[0].length;
      const bidi = l.class_name === "Bidirectional";
      const inner = bidi ? (c.layer as { class_name: string; config: Record<string, unknown> }) : { class_name: l.class_name, config: c };
      const ret = inner.config.return_sequences === true;
      const n = l.weights.length / (bidi ? 2 : 1);
      const out = seqs.map((s, b) => {
        const m = mask ? mask[b] : s.map(() => true);
        const fw = runLayer(inner.class_name, inner.config, l.weights.slice(0, n), s, m, inner.config.go_backwards === true);
        if (!bidi) return ret ? fw : fw[T - 1];
        let bw = runLayer(inner.class_name, inner.config, l.weights.slice(n), s, m, true);
        if (ret) bw = bw.slice().reverse();
        const mode = c.merge_mode as string;
        const mergeRow = (u: number[], v: number[]) => (mode === "concat" ? [...u, ...v] : u.map((ui, j) => (mode === "sum" ? ui + v[j] : mode === "mul" ? ui * v[j] : (ui + v[j]) / 2)));
        return ret ? fw.map((u, t) => mergeRow(u, bw[t])) : mergeRow(fw[T - 1], bw[T - 1]);
      });
      x = out as Seq | number[][];
      steps = ret;
      if (!ret) mask = null;
    }
  }
  const flat = (x as unknown[]).flat(2) as number[];
  const B = x.length, shape = steps ? [B, (x as Seq)[0].length, (x as Seq)[0][0].length] : [B, (x as number[][])[0].length];
  return { data: flat, shape };
}

function denseAct(a: string, row: number[]): number[] {
  if (a !== "softmax") return row.map((v) => act(a, v));
  const m = Math.max(...row), e = row.map((v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
}

export function masking(name: string, value: number, inputSize: number): KLayer {
  return { class_name: "Masking", config: { name, mask_value: value, batch_input_shape: [null, null, inputSize] }, weights: [] };
}
