// A loaded tfjs model as one of this library's model kinds, for files (.wrnn): a LanguageModel when it is
// Embedding → the same recurrent layer stacked, every step returned → Dense(vocabulary, linear); else a task
// model (Sequential + TaskModel): classify (… → return_sequences false → Dense softmax), tag (per step →
// Dense softmax), regress (Dense linear or a recurrent layer last, pooled or per step). What these cannot hold is refused, naming it.

import { LanguageModel } from "../lm/model.js";
import type { ModuleConfig } from "../nn/sequential-config.js";
import { Sequential } from "../nn/sequential.js";
import { TaskModel, type TaskKind } from "../tasks/task-model.js";
import { q } from "./format.js";
import type { Stage, TfjsPlan } from "./layers.js";

type Recurrent = Extract<Stage, { kind: "recurrent" }>;

export type WasmRnnModel = { kind: "language-model"; lm: LanguageModel } | { kind: "task"; model: TaskModel };

const refuse = (s: Stage, why: string): never => {
  throw new TypeError(`layer ${q(s.name)} ${why}, which a wasm-rnn model file cannot hold`);
};

const CELL = { LSTM: "lstm", GRU: "gru", SimpleRNN: "rnn" } as const;

function checkRecurrent(s: Recurrent): void {
  if (s.merge !== null && s.merge !== "concat") refuse(s, `merges its directions with ${q(s.merge)} (only "concat" is a bidirectional layer here)`);
  if (s.goBackwards) refuse(s, "runs backwards (go_backwards)");
}

/** Our PyTorch-named parameters of the layer-direction stage `s` as layer l of a stack under `prefix`. */
function stackParams(out: Record<string, Float32Array>, s: Recurrent, prefix: string, l: number): void {
  for (const [name, v] of Object.entries(s.params)) out[`${prefix}${name.replace("_l0", `_l${l}`)}`] = v;
}

function asLanguageModel(plan: TfjsPlan): LanguageModel | null {
  const st = plan.stages.filter((s) => s.kind !== "dropout");
  const emb = st[0], fc = st[st.length - 1], rec = st.slice(1, -1) as Recurrent[];
  if (emb?.kind !== "embedding" || emb.maskZero || fc?.kind !== "dense" || rec.length === 0 || rec.some((s) => s.kind !== "recurrent")) return null;
  const r0 = rec[0];
  const same = rec.every((s) => s.className === r0.className && s.hidden === r0.hidden && (s.merge === null) === (r0.merge === null) && s.returnSequences
    && s.resetAfter === r0.resetAfter && s.nonlinearity === r0.nonlinearity && s.recurrentActivation === "sigmoid" && (s.merge === null || s.merge === "concat") && !s.goBackwards);
  if (!same || fc.activation !== "linear" || fc.outFeatures !== emb.vocab || !fc.bias) return null;
  const params: Record<string, Float32Array> = { "embedding.weight": emb.table, "fc.weight": fc.weight, "fc.bias": fc.bias };
  rec.forEach((s, l) => stackParams(params, s, "rnn.", l));
  const lm = new LanguageModel({
    vocabSize: emb.vocab, cell: CELL[r0.className], hiddenSize: r0.hidden, numLayers: rec.length, embedSize: emb.dim, bidirectional: r0.merge !== null,
    ...(r0.className === "GRU" ? { resetAfter: r0.resetAfter } : {}), ...(r0.className === "SimpleRNN" ? { nonlinearity: r0.nonlinearity } : {}),
  });
  try {
    lm.loadTorchParams(params);
  } catch (e) {
    lm.dispose();
    throw e;
  }
  return lm.eval();
}

function asTaskModel(plan: TfjsPlan): TaskModel {
  const modules: ModuleConfig[] = [], params: Record<string, Float32Array> = {};
  const stages = plan.stages;
  const last = stages[stages.length - 1];
  let pooled = false;
  stages.forEach((s, i) => {
    const name = `${s.kind === "recurrent" ? "rnn" : s.kind === "dense" ? "fc" : s.kind === "embedding" ? "embedding" : "drop"}${i}`;
    switch (s.kind) {
      case "embedding":
        if (s.maskZero) refuse(s, "masks token 0 (mask_zero)");
        modules.push({ name, type: "Embedding", numEmbeddings: s.vocab, embeddingDim: s.dim });
        params[`${name}.weight`] = s.table;
        break;
      case "recurrent": {
        checkRecurrent(s);
        modules.push({
          name, type: s.className === "SimpleRNN" ? "RNN" : s.className, inputSize: s.inputSize, hiddenSize: s.hidden, bidirectional: s.merge !== null,
          ...(s.className === "GRU" ? { resetAfter: s.resetAfter } : {}), ...(s.className === "SimpleRNN" ? { nonlinearity: s.nonlinearity } : { recurrentActivation: s.recurrentActivation }),
        });
        stackParams(params, s, `${name}.`, 0);
        if (!s.returnSequences) {
          modules.push({ name: `pool${i}`, type: "Pool", mode: "last" });
          pooled = true;
        }
        break;
      }
      case "dense":
        if (s.activation !== "linear" && !(s === last && s.activation === "softmax")) refuse(s, `has activation ${q(s.activation)}${s === last ? "" : " before the last layer"}`);
        modules.push({ name, type: "Linear", inFeatures: s.inFeatures, outFeatures: s.outFeatures, bias: s.bias !== null });
        params[`${name}.weight`] = s.weight;
        if (s.bias) params[`${name}.bias`] = s.bias;
        break;
      case "dropout":
        modules.push({ name, type: "Dropout", p: s.rate });
        break;
      case "activation":
        refuse(s, `is an Activation layer (${q(s.activation)})`);
        break;
      case "masking":
        refuse(s, "masks steps (a Masking layer)");
    }
  });
  const softmax = last.kind === "dense" && last.activation === "softmax";
  const task: TaskKind = softmax ? (pooled ? "classify" : "tag") : "regress";
  const model = Sequential.fromConfig(modules);
  try {
    model.loadTorchParams(params);
    model.eval();
    return new TaskModel(model, { task });
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** The model kind that holds `plan` (a language model when it is one, else a task model), or a refusal. */
export function toWasmRnnModel(plan: TfjsPlan): WasmRnnModel {
  const lm = asLanguageModel(plan);
  return lm ? { kind: "language-model", lm } : { kind: "task", model: asTaskModel(plan) };
}
