// Messages between the page's Classify tab (classify-tab.ts) and its worker (classify-worker.ts).
// Everything is structured-cloneable.

export type ClassifierCell = "gru" | "lstm";

/** The model's shape: a change to any of these means a new model. */
export interface ClassifierSettings {
  cell: ClassifierCell;
  hidden: number;
  embed: number;
}

/** How to train: may change between stop and resume. */
export interface ClassifierTrainSettings {
  lr: number;
  batch: number;
  /** Epochs per Train click (a resume trains as many more). */
  epochs: number;
}

/** The built-in labelled set's source: the two first-name lists, as the @stdlib packages give them. */
export interface NameLists {
  female: string[];
  male: string[];
}

export interface ClassifierInfo {
  /** Changes whenever the worker builds a different model. */
  id: number;
  settings: ClassifierSettings;
  labels: string[];
  vocabSize: number;
  parameters: number;
  /** Names per class (in label order), after dropping those in both lists. */
  counts: number[];
  /** Names in both lists, left out. */
  dropped: number;
  train: number;
  validation: number;
  step: number;
  epoch: number;
}

export interface ClassifierStep {
  step: number;
  loss: number;
}

export interface ClassifierEvaluation {
  epoch: number;
  step: number;
  /** The mean training loss of the epoch. */
  trainLoss: number;
  /** On the validation names (held out from training). */
  loss: number;
  accuracy: number;
  macroF1: number;
  /** Per class, in label order. */
  perClass: { precision: number; recall: number; f1: number; support: number }[];
}

export type ToClassifier =
  | { type: "start"; names: NameLists; model: ClassifierSettings; train: ClassifierTrainSettings }
  | { type: "stop" }
  | { type: "reset" }
  | { type: "classify"; id: number; text: string };

export type FromClassifier =
  | { type: "ready"; build: string }
  | { type: "model"; info: ClassifierInfo | null; note?: string }
  | { type: "status"; training: boolean; note?: string }
  | { type: "progress"; points: ClassifierStep[]; epoch: number; batch: number; batches: number; namesPerSecond: number }
  | { type: "evaluation"; evaluation: ClassifierEvaluation }
  | {
    type: "probabilities"; id: number; text: string; labels: string[]; probabilities: number[]; label: string; step: number;
    /** Where the (lower-cased) name is: the training or the validation part of the set, or neither. */
    seen: "train" | "validation" | null;
  }
  | { type: "no-model"; id: number }
  | { type: "error"; message: string };
