// Messages between the page (main.ts) and its two workers: the training worker (worker.ts) and the
// gradient-flow worker (gradient-flow-worker.ts). Everything is structured-cloneable.

export type CellName = "rnn" | "gru" | "lstm";
export type OptimizerChoice = "sgd" | "adam" | "adamw";

/** The model's shape: a change to any of these (or to the corpus) means a new model. */
export interface ModelSettings {
  cell: CellName;
  hidden: number;
  layers: number;
  /** Embedding size; 0 = one-hot inputs. */
  embed: number;
}

/** How to train: may change between stop and resume. */
export interface TrainSettings {
  optimizer: OptimizerChoice;
  lr: number;
  /** Global gradient-norm clipping; 0 = off. */
  clip: number;
  batch: number;
  /** BPTT length (tokens per sequence). */
  seqLen: number;
}

export interface CorpusMessage {
  /** Built-in corpus id or "custom". */
  id: string;
  label: string;
  text: string;
  /** One name per line (samples are shown as lists of names, invented ones counted). */
  names: boolean;
}

export interface ModelInfo {
  /** Changes whenever the worker builds or loads a different model. */
  id: number;
  settings: ModelSettings;
  vocabSize: number;
  parameters: number;
  level: "char" | "word";
  step: number;
  epoch: number;
  /** Where it came from: a new model, or the file it was loaded from. */
  origin: "new" | "model file" | "checkpoint";
  fileName?: string;
  /** A checkpoint's training settings (the page shows them in the form). */
  train?: Partial<TrainSettings>;
  /** The corpus the model trains on (null after a load, until the next start). */
  corpusLabel: string | null;
}

export interface ProgressPoint {
  step: number;
  loss: number;
  perplexity: number;
  tokensPerSecond: number;
}

/** One row of the Quantize panel: the current model with its weights stored as `weights` (f32: the model itself). */
export interface QuantizedRow {
  weights: "f32" | "int8" | "f16";
  /** Bytes of its .wrnn file (encodeModel, vocabulary included). */
  bytes: number;
  /** Generation at batch 1: the same tokens, prompt and seed for every row; the best of a few runs. */
  tokensPerSecond: number;
  /** Perplexity on the held-out tenth of the corpus; null without one (a loaded model, a short text). */
  validationPerplexity: number | null;
  /** The start of that generation, shown like the training samples. */
  sample: string;
}

export type ToTrainer =
  | { type: "start"; corpus: CorpusMessage; model: ModelSettings; train: TrainSettings }
  | { type: "stop" }
  | { type: "reset" }
  | { type: "generate"; id: number; prompt: string; length: number; temperature: number; topK: number; seed: number }
  | { type: "save"; kind: "model" | "checkpoint" }
  | { type: "load"; name: string; bytes: ArrayBuffer }
  | { type: "quantize"; id: number };

export type FromTrainer =
  | { type: "ready"; build: string }
  | { type: "model"; info: ModelInfo | null; note?: string }
  | { type: "status"; training: boolean; note?: string }
  | { type: "progress"; points: ProgressPoint[]; epoch: number; batch: number; batches: number; lr: number; gradNorm: number }
  | { type: "sample"; text: string; step: number; validationPerplexity: number | null; invented?: { invented: number; total: number } }
  | { type: "generated"; id: number; text: string; done: boolean }
  | { type: "quantized"; id: number; step: number; tokens: number; runs: number; row: QuantizedRow; done: boolean }
  | { type: "saved"; kind: "model" | "checkpoint"; fileName: string; bytes: ArrayBuffer }
  | { type: "error"; message: string };

export interface GradientFlowRequest {
  type: "run";
  id: number;
  /** Sequence length T; the loss is on the last step only. */
  seqLen: number;
  hidden: number;
  /** W_hh (weight_hh_l0) is multiplied by this after PyTorch's initialisation. */
  scale: number;
  /** Added to the bias of the GRU update gate z and the LSTM forget gate f. */
  gateBias: number;
  nonlinearity: "tanh" | "relu";
  /** Clipping threshold θ (global norm). */
  theta: number;
  seed: number;
}

export interface CellFlow {
  /** before[i] = ‖∂L/∂h‖ at distance i from the loss (i = 0: the last state). */
  before: number[];
  after: number[];
  /** Global norm ‖g‖ of the parameter gradients, before and after clipping to θ. */
  gradNorm: number;
  clippedNorm: number;
}

export type FromGradientFlow =
  | { type: "ready"; build: string }
  | { type: "result"; id: number; request: GradientFlowRequest; cells: Record<CellName, CellFlow>; rnnSpectralRadius: number; ms: number }
  | { type: "error"; id: number | null; message: string };
