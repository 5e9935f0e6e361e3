// Canaries: live layers and a model that no test touches, whose parameters and outputs are recorded once and
// must stay bit-for-bit the same whatever a test does to other objects (hostile files, misuse, failed calls):
// the proof that nothing writes into memory it does not own.

import * as assert from "uvu/assert";
import { GRU, LSTM, LanguageModel } from "../../src/index.js";

function bits(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

export class Canaries {
  private readonly lstm = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 11 });
  private readonly gru = new GRU({ inputSize: 3, hiddenSize: 16, seed: 12 });
  private readonly lm = new LanguageModel({ vocabSize: 13, cell: "lstm", hiddenSize: 9, embedSize: 4, seed: 13 });
  private readonly x5 = new Float32Array(4 * 2 * 5).map((_, i) => Math.sin(i * 0.7));
  private readonly x3 = new Float32Array(6 * 3).map((_, i) => Math.cos(i * 0.3));
  private readonly tokens = Int32Array.from({ length: 6 * 2 }, (_, i) => (i * 5) % 13);
  private readonly recorded: string;

  constructor() {
    this.recorded = this.fingerprint();
  }

  /** Every parameter and the outputs (batch > 1, the batch-1 GEMV path and a language model), as one string. */
  private fingerprint(): string {
    const parts: string[] = [];
    for (const layer of [this.lstm, this.gru]) for (const [name, p] of Object.entries(layer.torchParams())) parts.push(name, bits(p));
    for (const [name, p] of Object.entries(this.lm.torchParams())) parts.push(name, bits(p));
    parts.push(bits(this.lstm.forward(this.x5, { seqLen: 4, batch: 2 }).output));
    parts.push(bits(this.gru.forward(this.x3, { seqLen: 6, batch: 1 }).output));
    const r = this.lm.forward(this.tokens, this.tokens, { seqLen: 6, batch: 2 });
    parts.push(bits(r.logits), String(r.loss));
    return parts.join("|");
  }

  /** Asserts that nothing changed since the canaries were made. */
  check(what: string): void {
    if (this.fingerprint() !== this.recorded) assert.unreachable(`${what}: a canary's parameters or outputs changed`);
  }

  dispose(): void {
    this.lstm.dispose();
    this.gru.dispose();
    this.lm.dispose();
  }
}
