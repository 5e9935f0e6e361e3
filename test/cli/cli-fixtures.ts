// The files the CLI fuzzer hands to the command line, made in a temp folder: good and bad texts, a trained
// model and its checkpoint, damaged models, special files; for the task commands (fit, predict, eval), the
// data files of test/fixtures/cli-tasks (shortened, so a valid fit stays quick), damaged data files, and a
// tiny task model of every kind. Runs may replace some of them (with --force, or a --resume writing its own
// files), so restore() puts each back after every case: cases stay independent.

import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadModel } from "../../src/node.js";
import { deepArray, editHeader } from "./checkpoint-edit.js";
import { runMain } from "./run-main.js";

/** Data files of the task commands: good ones (from test/fixtures/cli-tasks), then damaged ones. */
export const TASK_DATA = [
  "reviews.csv", "traces.jsonl", "tags.jsonl", "tags.csv", "sums.csv", "cumsum.jsonl", "daily.csv",
  "quote.csv", "ragged.jsonl", "unknown-label.csv", "header-only.csv", "nan.csv", "no-label.jsonl", "dates.csv",
];

/** Task models (fit's), a checkpoint of each kind of run, a safetensors one, and damaged ones. */
export const TASK_MODELS = [
  "task-classify.wrnn", "task-classify.wrnn.ckpt", "task-traces.safetensors", "task-tag.wrnn", "task-regress.wrnn",
  "task-steps.wrnn", "task-forecast.wrnn", "task-forecast.wrnn.ckpt", "task-step.wrnn", "task-corrupt.wrnn", "task-deep.ckpt",
];

/** Names the fuzzer may pass where a file is read (relative to the fixture folder, the fuzz's cwd). */
export const FILES = [
  "tiny.txt", "zh.txt", "crlf.txt", "empty.txt", "binary.bin", "folder", "missing.txt", "fifo", "/dev/zero", "/dev/urandom",
  "fx.wrnn", "fx.wrnn.ckpt", "fx.safetensors", "corrupt.wrnn", "truncated.wrnn", "deep.ckpt", "vocab.json", "deep-vocab.json",
  "", "tiny.txt/inside", ...TASK_DATA, ...TASK_MODELS,
];

// dist/test/cli/cli-fixtures.js → the data files in the source tree
const TASK_FIXTURES = fileURLToPath(new URL("../../../test/fixtures/cli-tasks/", import.meta.url));

/** The first `rows` data rows of a fixture file (and its CSV header). */
function firstRows(name: string, rows: number): string {
  const lines = readFileSync(join(TASK_FIXTURES, name), "utf8").split("\n").filter((l) => l !== "");
  return lines.slice(0, rows + (name.endsWith(".csv") ? 1 : 0)).join("\n") + "\n";
}

/** The task models: each trained for an epoch at hidden size 4 (a fraction of a second). */
const TASK_FITS: string[][] = [
  ["reviews.csv", "--task", "classify", "--out", "task-classify.wrnn"],
  ["traces.jsonl", "--task", "classify", "--text", "trace", "--out", "task-traces.safetensors", "--no-checkpoint"],
  ["tags.jsonl", "--task", "tag", "--out", "task-tag.wrnn", "--no-checkpoint"],
  ["sums.csv", "--task", "regress", "--out", "task-regress.wrnn", "--no-checkpoint"],
  ["cumsum.jsonl", "--task", "regress", "--per-step", "--out", "task-steps.wrnn", "--no-checkpoint"],
  ["daily.csv", "--task", "forecast", "--target", "sales", "--features", "temp", "--date", "date", "--calendar", "dayOfWeek", "--lookback", "7", "--horizon", "3", "--out", "task-forecast.wrnn"],
  ["daily.csv", "--task", "forecast", "--target", "sales", "--date", "date", "--output", "step", "--lookback", "7", "--out", "task-step.wrnn", "--no-checkpoint"],
];

/** Names the fuzzer may pass where a file is written, besides fresh ones: existing, special and impossible. */
export const OUTPUTS = [
  "fx.wrnn", "tiny.txt", "folder", "fifo", "tiny.txt/x.wrnn", "", "模型🙂.wrnn", `${"a".repeat(300)}.wrnn`, "deep/er/m.wrnn",
  "/sys/wasm-rnn-fuzz.wrnn", "model.wrnn",
];

type Fixture = { kind: "file"; bytes: Buffer } | { kind: "folder" } | { kind: "fifo" };

const TEXT = "The Time Traveller (for so it will be convenient to speak of him) was expounding a recondite matter to us.\n"
  + "His grey eyes shone and twinkled, and his usually pale face was flushed and animated. Don't you see? 🙂\n";

export class Fixtures {
  private readonly saved = new Map<string, Fixture>();
  readonly hasFifo: boolean;

  private constructor(readonly dir: string) {
    this.hasFifo = spawnSync("mkfifo", [join(dir, "fifo")]).status === 0;
  }

  /** Makes the fixtures in `dir` (trains the tiny model in-process) and remembers them for restore(). */
  static async make(dir: string): Promise<Fixtures> {
    const f = new Fixtures(dir);
    const at = (name: string) => join(dir, name);
    writeFileSync(at("tiny.txt"), TEXT.repeat(8));
    writeFileSync(at("zh.txt"), "床前明月光，疑是地上霜。举头望明月，低头思故乡。\n".repeat(10));
    writeFileSync(at("crlf.txt"), "one line\r\nanother line\r\n".repeat(30));
    writeFileSync(at("empty.txt"), "");
    writeFileSync(at("binary.bin"), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) & 255)));
    mkdirSync(at("folder"));
    const trained = await runMain(["train", at("tiny.txt"), "--hidden", "8", "--batch", "2", "--steps", "4", "--epochs", "1", "--seed", "1", "--out", "fx.wrnn", "--quiet"]);
    if (trained.code !== 0) throw new Error(`fixture training failed: ${trained.stderr}`);
    const converted = await runMain(["convert", at("fx.wrnn"), at("fx.safetensors")]);
    if (converted.code !== 0) throw new Error(`fixture conversion failed: ${converted.stderr}`);
    const model = readFileSync(at("fx.wrnn"));
    const corrupt = Buffer.from(model);
    corrupt[corrupt.length - 100] ^= 0xff;
    writeFileSync(at("corrupt.wrnn"), corrupt);
    writeFileSync(at("truncated.wrnn"), model.subarray(0, model.length >> 1));
    writeFileSync(at("deep.ckpt"), editHeader(readFileSync(at("fx.wrnn.ckpt")), (h) => (h.training.settings.hidden = "DEEP"), { DEEP: deepArray(100_000) }));
    const { lm, vocab } = await loadModel(at("fx.wrnn"));
    lm.dispose();
    writeFileSync(at("vocab.json"), JSON.stringify(vocab));
    writeFileSync(at("deep-vocab.json"), deepArray(20_000)); // also read as a corpus: kept small
    await Fixtures.makeTaskFiles(at);
    for (const name of FILES) f.remember(name);
    return f;
  }

  /** The task commands' data files and models. */
  private static async makeTaskFiles(at: (name: string) => string): Promise<void> {
    const rows: Record<string, number> = { "reviews.csv": 60, "traces.jsonl": 40, "tags.jsonl": 40, "tags.csv": 20, "sums.csv": 60, "cumsum.jsonl": 40, "daily.csv": 100 };
    for (const [name, n] of Object.entries(rows)) writeFileSync(at(name), firstRows(name, n));
    writeFileSync(at("quote.csv"), 'text,label\n"good film,pos\nbad,neg\n');
    writeFileSync(at("ragged.jsonl"), '{"input":[[1,2],[3]],"target":1}\n{"text":"a","label":"b"}\n');
    writeFileSync(at("unknown-label.csv"), "text,label\na fine plot,pos\na dull film,maybe\n");
    writeFileSync(at("header-only.csv"), "date,sales,temp\n");
    writeFileSync(at("nan.csv"), "input,target,text,label\n1 2; 3 4,5,a,pos\n1 x; 3 NaN,6,b,neg\n");
    writeFileSync(at("no-label.jsonl"), '{"text":"a fine film","label":"pos"}\n{"text":"a dull film"}\n{"tokens":["a"],"tags":["DET"]}\n');
    writeFileSync(at("dates.csv"), "date,sales,temp\n2023-01-02,1,2\n2023-01-01,2,3\n2023-13-01,3,4\n");
    for (const args of TASK_FITS) {
      const r = await runMain(["fit", at(args[0]), ...args.slice(1), "--hidden", "4", "--epochs", "1", "--seed", "1", "--quiet"]);
      if (r.code !== 0) throw new Error(`fixture fit ${args.join(" ")} failed: ${r.stderr}`);
    }
    const model = readFileSync(at("task-classify.wrnn"));
    const corrupt = Buffer.from(model);
    corrupt[corrupt.length - 60] ^= 0xff;
    writeFileSync(at("task-corrupt.wrnn"), corrupt);
    writeFileSync(at("task-deep.ckpt"), editHeader(readFileSync(at("task-classify.wrnn.ckpt")), (h) => (h.training.settings.fields = "DEEP"), { DEEP: deepArray(100_000) }));
  }

  private remember(name: string): void {
    if (name === "" || name.startsWith("/") || name.includes("/")) return;
    const path = join(this.dir, name);
    const info = lstatSync(path, { throwIfNoEntry: false });
    if (!info) return; // missing on purpose
    this.saved.set(name, info.isDirectory() ? { kind: "folder" } : info.isFIFO() ? { kind: "fifo" } : { kind: "file", bytes: readFileSync(path) });
  }

  /** Puts back every fixture a run replaced or removed. */
  restore(): void {
    for (const [name, fixture] of this.saved) {
      const path = join(this.dir, name);
      const info = lstatSync(path, { throwIfNoEntry: false });
      const intact = fixture.kind === "folder" ? info?.isDirectory()
        : fixture.kind === "fifo" ? info?.isFIFO()
        : info?.isFile() && info.size === fixture.bytes.length && readFileSync(path).equals(fixture.bytes);
      if (intact) continue;
      rmSync(path, { recursive: true, force: true });
      if (fixture.kind === "folder") mkdirSync(path);
      else if (fixture.kind === "fifo") spawnSync("mkfifo", [path]);
      else writeFileSync(path, fixture.bytes);
    }
    rmSync(join(this.dir, "missing.txt"), { force: true });
  }
}
