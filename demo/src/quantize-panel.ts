// The Quantize panel of the language-model tab: asks the training worker to compare the model with its int8
// and f16 copies (quantize-compare.ts) and shows them side by side: file size, generation speed, validation
// perplexity and a sample from each. Keeps window.__demo.quantize (test-hooks.ts) up to date.

import { hooks } from "./test-hooks";
import { $, fmt } from "./form";
import type { FromTrainer, QuantizedRow, ToTrainer } from "./protocol";

export interface QuantizePanel {
  /** A comparison is running: the page holds back what would change the model or share the worker's time. */
  readonly busy: boolean;
  /** Enables the button when there is a model and nothing else runs. */
  sync(canRun: boolean): void;
  show(message: Extract<FromTrainer, { type: "quantized" }>): void;
  /** The worker reported an error: nothing more will come for this comparison. */
  failed(): void;
  /** Another model: the table no longer describes it. */
  clear(): void;
}

const PLACEHOLDER = "Train or load a model, then Quantize.";
/** A change in percent, with its sign ("±" when it rounds to zero). */
const signed = (percent: number) => `${Math.abs(percent) < 0.005 ? "±" : percent > 0 ? "+" : "−"}${Math.abs(percent).toFixed(2)} %`;

export function quantizePanel(send: (message: ToTrainer) => void, changed: () => void): QuantizePanel {
  const el = {
    button: $<HTMLButtonElement>("quantize-button"),
    body: $<HTMLTableSectionElement>("quantize-table-body"),
    samples: $<HTMLDListElement>("quantize-samples"),
    note: $<HTMLParagraphElement>("quantize-note"),
  };
  const state = hooks.quantize;
  let request = 0;

  /** A row of text across the table. */
  function note(text: string): void {
    const cell = el.body.insertRow().insertCell();
    cell.colSpan = 5;
    cell.className = "muted";
    cell.textContent = text;
  }

  /** A cell's text, with how a copy compares with the f32 model (measured first) in small print. */
  function cell(row: HTMLTableRowElement, value: string, comparison: string | null): HTMLTableCellElement {
    const td = row.insertCell();
    td.textContent = value;
    if (comparison === null) return td;
    const small = document.createElement("small");
    small.textContent = ` (${comparison})`;
    td.append(small);
    return td;
  }

  function render(rows: QuantizedRow[], waiting: boolean): void {
    el.body.textContent = "";
    el.samples.textContent = "";
    const base = rows[0];
    for (const r of rows) {
      const row = el.body.insertRow();
      row.dataset.weights = r.weights;
      const copy = r !== base;
      cell(row, r.weights, null);
      cell(row, `${fmt(r.bytes / 1024, 1)} KB`, copy ? `×${(r.bytes / base.bytes).toFixed(2)}` : null);
      cell(row, fmt(r.tokensPerSecond), copy ? `×${(r.tokensPerSecond / base.tokensPerSecond).toFixed(2)}` : null);
      cell(row, (1e6 / r.tokensPerSecond).toFixed(1), null).className = "wide-only";
      const ppl = r.validationPerplexity, basePpl = base.validationPerplexity;
      const change = copy && ppl !== null && basePpl !== null ? (100 * (ppl - basePpl)) / basePpl : null;
      cell(row, ppl === null ? "–" : ppl.toFixed(3), change === null ? null : signed(change));
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = r.weights;
      dd.textContent = r.sample || "(empty)";
      el.samples.append(dt, dd);
    }
    if (waiting) note(rows.length === 0 ? "Measuring f32…" : `Quantizing to ${rows.length === 1 ? "int8" : "f16"} and measuring…`);
  }

  el.button.addEventListener("click", () => {
    request++;
    state.busy = true;
    state.rows = [];
    state.step = null;
    render([], true);
    el.note.textContent = "";
    send({ type: "quantize", id: request });
    changed();
  });

  return {
    get busy() {
      return state.busy;
    },
    sync(canRun) {
      el.button.disabled = !canRun || state.busy;
      el.button.textContent = state.busy ? "Quantizing…" : "Quantize";
    },
    show(m) {
      if (m.id !== request) return; // a comparison the page no longer shows
      state.rows.push(m.row);
      state.step = m.step;
      state.busy = !m.done;
      render(state.rows, !m.done);
      el.note.textContent = `The model after step ${fmt(m.step)}. File: the .wrnn file (encodeModel, vocabulary included). `
        + `Speed: ${fmt(m.tokens)} tokens generated at batch 1 in the worker, the same prompt and seed for each (temperature 0.8, top-k 10), the fastest of ${m.runs} runs; `
        + "the samples are their first characters (f16 computes in f32: its speed differs from f32's by noise alone). "
        + "Perplexity: on the held-out tenth of the corpus, as in the Training panel.";
      if (m.done) changed();
    },
    failed() {
      if (!state.busy) return;
      state.busy = false;
      render(state.rows, false);
      if (state.rows.length === 0) note(PLACEHOLDER);
      changed();
    },
    clear() {
      request++;
      state.busy = false;
      state.rows = [];
      state.step = null;
      el.body.textContent = "";
      note(PLACEHOLDER);
      el.samples.textContent = "";
      el.note.textContent = "";
    },
  };
}
