// wasm-rnn public API, the same in every runtime (browsers, workers, Deno, Bun, Node). Node adds file helpers:
// see node.ts, which the package's "node" export condition points to.
export { init, type InitResult } from "./init.js";
export { RNN } from "./layers/rnn.js";
export { GRU } from "./layers/gru.js";
export { LSTM } from "./layers/lstm.js";
export { RecurrentLayer } from "./layers/recurrent.js";
export { RecurrentStream } from "./layers/stream.js";
export type { ForwardOptions, ForwardResult, BackwardOptions, BackwardResult } from "./layers/recurrent.js";
export type { RecurrentOptions, RNNOptions, GRUOptions, LSTMOptions, LayerConfig, CellType } from "./nn/recurrent-config.js";
export type { FloatInput } from "./errors.js";
export { supportedBuilds, type BuildName, type LoadOptions, type WasmSource } from "../bindings/index.js";
export { LanguageModel } from "./lm/model.js";
export { quantize, type QuantizeOptions } from "./quant/quantize.js";
export type { WeightType } from "./quant/weights.js";
export { Sequential, type SequentialOptions, type SequentialForwardOptions, type SequentialForwardResult, type SequentialBackwardResult, type ModuleConfig, type LossConfig } from "./nn/sequential.js";
export type { LMForwardOptions, LMForwardResult, LMBackwardResult, ParameterGroup, TokenInput } from "./lm/model.js";
export type { LanguageModelOptions, LanguageModelConfig } from "./lm/config.js";
export { Vocabulary, type VocabularyOptions, type VocabularyJSON } from "./text/vocab.js";
export { tokenize, type TokenLevel } from "./text/tokenize.js";
export { makeBatches, planBatches, type Batch, type BatchPlan, type Partition } from "./text/batches.js";
export { Random } from "./random.js";
export { Trainer, type TrainerOptions, type TrainerChanges, type StepInfo, type EpochResult, type TrainerState } from "./train/trainer.js";
export { Optimizer, type OptimizerOptions, type OptimizerName } from "./train/optimizers.js";
export type { HasParameters, Parameter } from "./nn/module.js";
export { clipGradientNorm, gradientNorm } from "./train/clip.js";
export { learningRate, type Schedule } from "./train/schedule.js";
export { evaluatePerplexity, type PerplexityResult } from "./train/perplexity.js";
export { generate, generateIds, generateText, type GenerateOptions } from "./lm/generate.js";
export type { SamplingOptions } from "./lm/sampling.js";
export { CarriedState } from "./lm/state.js";
export {
  encodeModel, decodeModel, encodeCheckpoint, decodeCheckpoint, encodeSafetensorsModel, decodeSafetensorsModel,
  inferConfig, type TextModel, type Checkpoint, type DecodeOptions,
} from "./io/model-io.js";
