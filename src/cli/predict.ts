// `wasm-rnn predict <model> <data>`: runs a task model on a CSV or JSONL file (labels not needed) and writes
// one prediction per row (a forecast: one per step after the file's history) as JSONL or CSV, to stdout or
// --out. Predictions use the model's field names, so the output reads like its training data:
//   classify  label, and each class's probability (JSONL: "probabilities": { label: p }; CSV: p_<label>)
//   tag       tokens and tags
//   regress   the target: a number, an array (several values, or per step); CSV cells as fit reads them
//   forecast  the date (or step number) and each target column

import { Command, Option } from "commander";
import { init } from "../node.js";
import { writeFileAtomic } from "../io/files.js";
import type { TaskModel } from "../tasks/node.js";
import { addMaxBytesOption } from "./corpus.js";
import { fail } from "./errors.js";
import { prepareOutput } from "./outputs.js";
import { seriesRecords } from "./task-records.js";
import { CHUNK_BATCHES, progressBar } from "./task-eval.js";
import { readTable, type Table } from "./task-table.js";
import { addFieldOptions, loadTask, modelFields, modelInputs, type FieldFlags } from "./task-use.js";
import type { Fields } from "./task-settings.js";
import { filePath, positiveInt } from "./values.js";

interface PredictFlags extends FieldFlags {
  format?: "jsonl" | "csv";
  out?: string;
  force?: boolean;
  steps?: number;
  batchSize: number;
  maxBytes: number;
  allowNonFinite?: boolean;
}

type Cell = string | number;
/** Rows of named values, written as JSONL objects or CSV rows. */
interface Output {
  columns: string[];
  rows: Record<string, unknown>[];
}

export function registerPredict(program: Command): void {
  const command = program
    .command("predict")
    .description("run a task model (wasm-rnn fit) on a CSV or JSONL file and write its predictions as JSONL or CSV")
    .argument("<model>", "a task model file (or a fit checkpoint)", filePath)
    .argument("<data>", "a .csv or .jsonl file in the model's format (labels not needed); forecast: the history", filePath)
    .addOption(new Option("--format <format>", "output format (default: --out's extension, else jsonl)").choices(["jsonl", "csv"]))
    .option("--out <path>", "write to this file instead of stdout", filePath)
    .option("--force", "replace an existing --out")
    .option("--steps <n>", "forecast: steps after the history (a direct model: its horizon; a step model: default 1)", positiveInt)
    .option("--batch-size <n>", "sequences per forward pass", positiveInt, 64)
    .option("--allow-non-finite", "load a model whose weights hold NaN or Infinity");
  addFieldOptions(addMaxBytesOption(command, "data file")).action(async (modelPath: string, dataPath: string, flags: PredictFlags) => {
    const format = flags.format ?? (flags.out?.toLowerCase().endsWith(".csv") ? "csv" : "jsonl");
    if (flags.out !== undefined) await prepareOutput(flags.out, { what: "the predictions", force: flags.force ?? false, alternative: "choose another file with --out <path>" });
    await init();
    const model = await loadTask(modelPath, flags);
    let text: string;
    try {
      const fields = modelFields(model, flags, modelPath);
      const table = await readTable(dataPath, flags.maxBytes);
      const output = model.task === "forecast" ? forecast(table, model, fields, flags.steps) : predictRows(table, model, fields, flags.batchSize, format);
      text = format === "csv" ? toCsv(output) : output.rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
    } finally {
      model.dispose();
    }
    if (flags.out === undefined) process.stdout.write(text);
    else {
      await writeFileAtomic(flags.out, new TextEncoder().encode(text));
      process.stderr.write(`wrote ${flags.out}\n`);
    }
  });
}

/** Float32 values with the digits they hold (7 significant), not float64's noise. */
const value = (x: number) => Number(x.toPrecision(7));

/** A sequence as a CSV cell: steps by ";", values by spaces (fit's rule). */
const cell = (values: Float32Array, width: number) => Array.from({ length: values.length / width }, (_, t) =>
  Array.from(values.subarray(t * width, (t + 1) * width), value).join(" ")).join("; ");

/**
 * `run` over the inputs in chunks of a few batches, in order: a long file moves a progress bar on a terminal
 * (a file of one chunk shows none).
 */
function inChunks<I, O>(inputs: readonly I[], batchSize: number, run: (part: I[]) => O[]): O[] {
  const chunk = batchSize * CHUNK_BATCHES, n = inputs.length;
  const bar = n > chunk ? progressBar(n, "rows", "predict") : null;
  const out: O[] = [];
  try {
    for (let start = 0; start < n; start += chunk) {
      for (const o of run(inputs.slice(start, start + chunk))) out.push(o);
      bar?.update(Math.min(n, start + chunk));
    }
  } finally {
    bar?.stop();
  }
  return out;
}

function predictRows(table: Table, model: TaskModel, fields: Fields, batchSize: number, format: "jsonl" | "csv"): Output {
  const inputs = modelInputs(table, model, fields);
  const csv = format === "csv";
  switch (model.task) {
    case "classify": {
      const labels = model.labels!, name = fields.label!;
      const probColumns = labels.map((l) => `p_${l}`);
      const rows = inChunks(inputs, batchSize, (part) => model.classify(part, { batchSize })).map((c) => csv
        ? { [name]: c.label, ...Object.fromEntries(labels.map((l, i) => [`p_${l}`, value(c.probabilities[i])])) }
        : { [name]: c.label, probabilities: Object.fromEntries(labels.map((l, i) => [l, value(c.probabilities[i])])) });
      return { columns: [name, ...probColumns], rows };
    }
    case "tag": {
      const rows = inChunks(inputs, batchSize, (part) => model.tag(part, { batchSize })).map((t) => csv
        ? { [fields.tokens!]: t.tokens!.join(" "), [fields.tags!]: t.labels.join(" ") }
        : { [fields.tokens!]: t.tokens, [fields.tags!]: t.labels });
      return { columns: [fields.tokens!, fields.tags!], rows };
    }
    case "regress": {
      const O = model.model.outFeatures, perStep = model.model.outputKind === "sequence", name = fields.target!;
      const rows = inChunks(inputs, batchSize, (part) => model.regress(part, { batchSize })).map((y) => {
        if (csv) return { [name]: cell(y, perStep ? O : y.length) };
        if (!perStep) return { [name]: O === 1 ? value(y[0]) : Array.from(y, value) };
        const steps = Array.from({ length: y.length / O }, (_, t) => y.subarray(t * O, (t + 1) * O));
        return { [name]: O === 1 ? steps.map((s) => value(s[0])) : steps.map((s) => Array.from(s, value)) };
      });
      return { columns: [name], rows };
    }
    case "forecast": throw new Error("predictRows: a forecast reads a series");
  }
}

/** The steps after the file's history: a direct model's horizon, or --steps (default 1) one at a time. */
function forecast(table: Table, model: TaskModel, fields: Fields, steps: number | undefined): Output {
  const w = model.window!, F = model.features!, L = w.lookback;
  const horizon = w.horizon ?? 1;
  if (w.output === "direct" && steps !== undefined && steps !== horizon && horizon !== 1) {
    fail(`this model forecasts ${horizon} steps at once (--output direct); --steps must be ${horizon} or left out`);
  }
  const n = steps ?? horizon;
  const unknown = Array.from({ length: F }, (_, f) => f).filter((f) => !w.targets.includes(f));
  const recursive = w.output === "step" || n !== horizon;
  if (recursive && n > 1 && unknown.length > 0) {
    const names = unknown.map((f) => [...fields.targets!, ...fields.features!][f]).join(", ");
    fail(`a forecast of ${n} steps one at a time needs future values of ${names}, which the model reads but does not forecast; predict 1 step, or train with --output direct --horizon ${n}`);
  }
  const series = seriesRecords(table, fields);
  const rows = table.rows.length;
  if (rows < L) fail(`${table.path} has ${rows} row${rows === 1 ? "" : "s"}; the model reads a history of --lookback ${L} rows`);
  const history = { values: series.values, features: F, ...(series.dates ? { dates: series.dates } : {}) };
  // one step ahead reads only the history: the future row of the other inputs is a placeholder, never read
  const known = recursive && unknown.length > 0 ? new Float32Array(n * F) : undefined;
  const result = model.forecast(history, { steps: n, ...(known ? { known } : {}) });
  const K = w.targets.length, targets = fields.targets!;
  const first = result.dates ? (fields.date ?? "date") : "step";
  const out = Array.from({ length: n }, (_, s) => ({
    [first]: result.dates ? isoDate(result.dates[s]) : s + 1,
    ...Object.fromEntries(targets.map((c, k) => [c, value(result.values[s * K + k])])),
  }));
  return { columns: [first, ...targets], rows: out };
}

/** "2024-01-05" for a midnight UTC date, else the full ISO time. */
function isoDate(d: Date): string {
  const iso = d.toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
}

function toCsv(output: Output): string {
  const quote = (c: Cell) => {
    const s = String(c);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [output.columns.map(quote).join(","), ...output.rows.map((r) => output.columns.map((c) => quote(r[c] as Cell)).join(","))];
  return lines.join("\n") + "\n";
}
