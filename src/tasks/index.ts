// The tasks entry, "wasm-rnn/tasks": classification, tagging, regression and forecasting on top of the
// module layer of "wasm-rnn" (Sequential, the losses): datasets and batching, the task trainer, metrics,
// prediction, task models and their files. A separate entry so that a page that only runs a layer or a
// language model does not load it (each entry stays within the size budget; see test/size.test.ts). It also
// re-exports what a task page needs from the main entry (init, Sequential, Vocabulary, Random), so such a
// page can import this entry alone.

export { init, type InitResult } from "../init.js";
export { Sequential, type SequentialOptions, type SequentialForwardOptions, type SequentialForwardResult, type SequentialBackwardResult, type ModuleConfig, type LossConfig } from "../nn/sequential.js";
export { Vocabulary, type VocabularyOptions, type VocabularyJSON } from "../text/vocab.js";
export { Random } from "../random.js";

// datasets, batches, text and time series
export {
  checkDataset, splitDataset, exampleLength,
  type SequenceExample, type SequenceDataset, type TaskBatch, type Task, type InputKind, type DatasetSplit,
} from "../data/dataset.js";
export { makeTaskBatches, paddingMask, type TaskBatchOptions, type TaskBatches, type PaddingReport } from "../data/batching.js";
export { textClassificationDataset, encodeTexts, type TextRecord, type TextDatasetOptions, type TextDataset } from "../data/text-dataset.js";
export { taggingDataset, type TaggingRecord, type TaggingDatasetOptions, type TaggingDataset } from "../data/tagging-dataset.js";
export { Normalizer, type NormalizerJSON } from "../data/normalize.js";
export { CALENDAR_FEATURES, type CalendarFeature } from "../data/calendar.js";
export {
  timeSeriesWindows, splitByTime, type TimeSeries, type WindowOptions, type WindowLayout, type WindowOutput,
  type TimeSeriesWindows, type TimeSplit, type SeriesBoundary,
} from "../data/windows.js";
export { forecastDirect, forecastRecursive, type PredictFn, type ForecastResult, type ForecastOptions, type RecursiveForecastOptions } from "../data/forecast.js";
export {
  classificationMetrics, regressionMetrics, argmaxRows, softmaxRows,
  type ClassificationMetrics, type ClassScores, type RegressionMetrics,
} from "../train/metrics.js";
// training and evaluation
export {
  TaskTrainer, type TaskTrainerOptions, type TaskTrainerState, type TaskEpochResult, type TaskStepInfo, type EarlyStopping,
} from "../train/task-trainer.js";
export { evaluateModel, type Evaluation, type MetricName } from "../train/evaluate.js";
// prediction and task models
export { predictOutputs, predictProbabilities, type PredictOptions } from "./predict.js";
export {
  TaskModel, type TaskKind, type TaskInput, type TaskModelInfo, type Classification, type Tagging, type ForecastRequest,
} from "./task-model.js";
// quantized copies for inference
export { quantize, type QuantizeOptions } from "../quant/quantize.js";
// files
export {
  encodeTaskModel, decodeTaskModel, encodeTaskCheckpoint, decodeTaskCheckpoint, encodeTaskSafetensors, decodeTaskSafetensors,
  type TaskCheckpoint, type TaskDecodeOptions, type TaskSafetensorsOptions,
} from "../io/task-io.js";
