// exportTfjs: this library's models as a TensorFlow.js "layers-model" (model.json + one weights buffer) of
// Keras layers: the recurrent layers (RNN, GRU, LSTM), language models (Embedding → recurrent → Dense) and
// Sequential / task models (Embedding, recurrent, Pool "last" right after a recurrent module, Linear,
// Dropout). The inverse of ./layers.ts: W [G·H, I] → kernel [I, G·H] in Keras's gate order, and the two
// biases summed into Keras's one (a reset-after GRU keeps both, as Keras's reset_after bias [2, 3H]).

import { describe } from "../errors.js";
import { RecurrentLayer } from "../layers/recurrent.js";
import { LanguageModel } from "../lm/model.js";
import { Sequential } from "../nn/sequential.js";
import type { LayerConfig } from "../nn/recurrent-config.js";
import { TaskModel } from "../tasks/task-model.js";
import { ORDER, type RecurrentClass } from "./layers.js";

export interface TfjsArtifacts {
  /** model.json's contents (JSON.stringify it to write the file). */
  modelJson: {
    format: "layers-model";
    generatedBy: string;
    convertedBy: null;
    modelTopology: Record<string, unknown>;
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: "float32" }[] }[];
  };
  /** The weights, float32 little-endian in manifest order: the file "weights.bin". */
  weights: Uint8Array;
  /** What a reader of the files should know (e.g. a reset-after GRU, which tfjs 4 cannot load). */
  notes: string[];
}

export type Exportable = RecurrentLayer | LanguageModel | Sequential | TaskModel;

class Writer {
  readonly layers: Record<string, unknown>[] = [];
  readonly weights: { name: string; shape: number[]; data: Float32Array }[] = [];
  readonly notes: string[] = [];
  private readonly counts = new Map<string, number>();

  name(base: string): string {
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  add(className: string, config: Record<string, unknown>): void {
    if (this.layers.length === 0 && this.input) config.batch_input_shape = this.input;
    this.layers.push({ class_name: className, config });
  }

  weight(name: string, shape: number[], data: Float32Array): void {
    this.weights.push({ name, shape, data });
  }

  constructor(private readonly input: (number | null)[] | null) {}
}

const fail = (m: string): never => {
  throw new TypeError(`exportTfjs: ${m}`);
};

/** Our W [G·H, rows] (gate blocks in PyTorch's order) → Keras [rows, G·H] in Keras's order. */
function kernel(w: Float32Array, rows: number, H: number, order: number[]): Float32Array {
  const G = order.length, out = new Float32Array(rows * G * H);
  order.forEach((to, k) => {
    for (let j = 0; j < H; j++) for (let r = 0; r < rows; r++) out[r * G * H + to * H + j] = w[(k * H + j) * rows + r];
  });
  return out;
}

function biasBlocks(b: Float32Array, H: number, order: number[]): Float32Array {
  const out = new Float32Array(b.length);
  order.forEach((to, k) => out.set(b.subarray(k * H, (k + 1) * H), to * H));
  return out;
}

/** The recurrent stack of `c` with parameters `p` (names weight_ih_l0, … after `prefix`) as Keras layers. */
function recurrent(w: Writer, c: Readonly<LayerConfig>, p: Record<string, Float32Array>, prefix: string, lastReturnsSequences: boolean): void {
  const cls: RecurrentClass = c.cell === "lstm" ? "LSTM" : c.cell === "gru" ? "GRU" : "SimpleRNN";
  const H = c.hiddenSize, order = ORDER[cls], G = order.length, D = c.bidirectional ? 2 : 1;
  const ra = c.recurrentActivation;
  if (c.cell === "gru" && c.resetAfter) w.notes.push("a reset-after GRU (PyTorch's form) is written as Keras GRU reset_after: true with a bias [2, 3H]: Keras (Python) and this library load it, TensorFlow.js 4 refuses it (GRUCell does not support reset_after)");
  // every parameter of the stack must find its Keras weight: one that does not (a peephole, say) is refused
  const used = new Set<string>();
  const own = Object.keys(p).filter((n) => n.startsWith(prefix) && /^(weight|bias)_/.test(n.slice(prefix.length)));
  for (let l = 0; l < c.numLayers; l++) {
    const I = l === 0 ? c.inputSize : D * H;
    const base = cls === "SimpleRNN" ? "simple_rnn" : cls.toLowerCase();
    const inner = w.name(base);
    const config: Record<string, unknown> = {
      name: inner, trainable: true, units: H, activation: c.cell === "rnn" ? c.nonlinearity : "tanh",
      ...(c.cell === "rnn" ? {} : { recurrent_activation: ra === "hardSigmoid" ? "hard_sigmoid" : "sigmoid" }),
      use_bias: c.bias, dropout: 0, recurrent_dropout: 0,
      ...(c.cell === "gru" ? { reset_after: c.resetAfter } : {}),
      return_sequences: l < c.numLayers - 1 || lastReturnsSequences, return_state: false, go_backwards: false, stateful: false, unroll: false,
    };
    const outer = D === 2 ? w.name("bidirectional") : inner;
    for (let d = 0; d < D; d++) {
      const s = `_l${l}${d === 1 ? "_reverse" : ""}`, at = (n: string) => {
        const v = p[`${prefix}${n}${s}`];
        if (!v) fail(`parameter ${prefix}${n}${s} is missing`);
        used.add(`${prefix}${n}${s}`);
        return v;
      };
      const path = D === 2 ? `${outer}/${d === 0 ? "forward" : "backward"}_${inner}` : inner;
      w.weight(`${path}/kernel`, [I, G * H], kernel(at("weight_ih"), I, H, order));
      w.weight(`${path}/recurrent_kernel`, [H, G * H], kernel(at("weight_hh"), H, H, order));
      if (c.bias) {
        const bih = at("bias_ih"), bhh = at("bias_hh");
        if (c.cell === "gru" && c.resetAfter) {
          const b = new Float32Array(2 * G * H);
          b.set(biasBlocks(bih, H, order), 0);
          b.set(biasBlocks(bhh, H, order), G * H);
          w.weight(`${path}/bias`, [2, G * H], b);
        } else {
          const sum = new Float32Array(G * H);
          for (let i = 0; i < sum.length; i++) sum[i] = bih[i] + bhh[i];
          w.weight(`${path}/bias`, [G * H], biasBlocks(sum, H, order));
        }
      }
    }
    if (D === 2) w.add("Bidirectional", { name: outer, trainable: true, merge_mode: "concat", layer: { class_name: cls, config } });
    else w.add(cls, config);
  }
  const extra = own.filter((n) => !used.has(n));
  if (extra.length > 0) fail(`parameter ${extra.map((n) => JSON.stringify(n)).join(", ")} has no Keras ${cls} weight (Keras's ${cls} has kernel, recurrent_kernel and bias only)`);
}

function dense(w: Writer, weight: Float32Array, bias: Float32Array | null, K: number, N: number): void {
  const name = w.name("dense");
  const kern = new Float32Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) kern[k * N + n] = weight[n * K + k];
  w.weight(`${name}/kernel`, [K, N], kern);
  if (bias) w.weight(`${name}/bias`, [N], bias);
  w.add("Dense", { name, trainable: true, units: N, activation: "linear", use_bias: bias !== null });
}

function embedding(w: Writer, table: Float32Array, V: number, E: number): void {
  const name = w.name("embedding");
  w.weight(`${name}/embeddings`, [V, E], table);
  w.add("Embedding", { name, trainable: true, input_dim: V, output_dim: E, mask_zero: false });
}

function checkF32(type: string, what: string): void {
  if (type !== "f32") fail(`${what} has ${type} weights: export the f32 model (quantized weights have no Keras layer)`);
}

/** The model as TensorFlow.js layers-model files; refuses what has no Keras equivalent, saying what. */
export function exportTfjs(model: Exportable): TfjsArtifacts {
  let w: Writer;
  if (model instanceof TaskModel) return exportTfjs(model.model);
  if (model instanceof RecurrentLayer) {
    if (model.isDisposed) fail("the layer was disposed");
    checkF32(model.weightType, "the layer");
    const c = model.config;
    w = new Writer([null, null, c.inputSize]);
    recurrent(w, c, model.torchParams(), "", true);
    if (c.batchFirst === false) w.notes.push("Keras layers are batch-first: the exported model takes [batch, time, features] where this layer (batchFirst false) takes [time, batch, features]");
  } else if (model instanceof LanguageModel) {
    if (model.isDisposed) fail("the language model was disposed");
    checkF32(model.weightType, "the language model");
    const c = model.config, p = model.torchParams(), V = c.vocabSize;
    w = new Writer([null, null]);
    if (c.embedSize === null) {
      // one-hot inputs: onehot(id)·W_ihᵀ is an Embedding whose table is the identity
      const eye = new Float32Array(V * V);
      for (let i = 0; i < V; i++) eye[i * V + i] = 1;
      embedding(w, eye, V, V);
      w.notes.push(`the one-hot input is written as an Embedding(${V}, ${V}) holding the identity`);
    } else embedding(w, p["embedding.weight"], V, c.embedSize);
    const layer: LayerConfig = { ...c, inputSize: c.embedSize ?? V, batchFirst: true, recurrentActivation: "sigmoid", peepholes: false };
    recurrent(w, layer, p, "rnn.", true);
    dense(w, p["fc.weight"], p["fc.bias"], (c.bidirectional ? 2 : 1) * c.hiddenSize, V);
  } else if (model instanceof Sequential) {
    checkF32(model.weightType, "the model");
    const p = model.torchParams(), mods = model.modules;
    w = new Writer(model.inputKind === "tokens" ? [null, null] : [null, null, model.inputSize]);
    mods.forEach((m, i) => {
      const next = mods[i + 1];
      switch (m.type) {
        case "Embedding": embedding(w, p[`${m.name}.weight`], m.numEmbeddings, m.embeddingDim); break;
        case "RNN": case "GRU": case "LSTM": {
          const cell = m.type === "RNN" ? "rnn" : m.type === "GRU" ? "gru" : "lstm";
          const pooledLast = next?.type === "Pool" && next.mode === "last";
          const cfg: LayerConfig = {
            cell, inputSize: m.inputSize, hiddenSize: m.hiddenSize, numLayers: m.numLayers ?? 1, bidirectional: m.bidirectional ?? false, bias: m.bias ?? true,
            nonlinearity: m.nonlinearity ?? "tanh", resetAfter: m.resetAfter ?? true, recurrentActivation: m.recurrentActivation ?? "sigmoid", peepholes: m.peepholes ?? false, batchFirst: true, seed: 0, dropout: 0,
          };
          recurrent(w, cfg, p, `${m.name}.`, !pooledLast);
          break;
        }
        case "Pool":
          if (m.mode !== "last" || !["RNN", "GRU", "LSTM"].includes(mods[i - 1]?.type)) fail(`module ${i} "${m.name}" (Pool ${m.mode}) has no Keras layer: only Pool "last" right after a recurrent module is exported (as return_sequences false)`);
          break;
        case "Linear": dense(w, p[`${m.name}.weight`], m.bias === false ? null : p[`${m.name}.bias`], m.inFeatures, m.outFeatures); break;
        case "Dropout": w.add("Dropout", { name: w.name("dropout"), trainable: true, rate: m.p }); break;
      }
    });
  } else {
    return fail(`expected a recurrent layer (RNN, GRU, LSTM), a LanguageModel, a Sequential or a TaskModel, got ${describe(model)}`);
  }
  const total = w.weights.reduce((n, x) => n + x.data.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const x of w.weights) { all.set(x.data, o); o += x.data.length; }
  return {
    modelJson: {
      format: "layers-model",
      generatedBy: "wasm-rnn exportTfjs",
      convertedBy: null,
      modelTopology: { class_name: "Sequential", config: { name: "sequential", layers: w.layers }, keras_version: "tfjs-layers 4.22.0", backend: "tensor_flow.js" },
      weightsManifest: [{ paths: ["weights.bin"], weights: w.weights.map((x) => ({ name: x.name, shape: x.shape, dtype: "float32" as const })) }],
    },
    weights: new Uint8Array(all.buffer),
    notes: w.notes,
  };
}
