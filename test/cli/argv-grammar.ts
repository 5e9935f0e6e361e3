// The argument lists the CLI fuzzer draws (fast-check): the real commands and flags, each flag's value drawn
// from small valid values (so a valid run stays short) or from hostile strings, file arguments from the
// fixtures of cli-fixtures.ts, plus unknown flags, repeated flags, stray words and a value left missing.
// Language models: train, generate, eval, convert, quantize; task models: fit (a data file with the flags its task
// needs), predict and eval (a task model with data of its kind, or anything), convert.

import fc from "fast-check";
import { FILES, OUTPUTS, TASK_DATA, TASK_MODELS } from "./cli-fixtures.js";

/** Text that no numeric or choice flag accepts, or that reads as another flag. */
const HOSTILE = [
  "", " ", "-1", "0", "-0", "1.5", ".5", "1e309", "-1e309", "NaN", "Infinity", "-Infinity", "99999999999999999999",
  "9007199254740993", "0x1f", "1_000", "1e3", "１２", "٣", "\t2", "2 3", "--quiet", "--force", "-h", "--", "🙂", "a\u0000b",
  "line\nbreak", "\ud800", "\u202e3", "'3'", "x".repeat(3000),
];

/** Valid, but not small: each must fail fast (memory, a text too short), never train for long. */
const HUGE_SIZES = ["100000", "2147483647", "9007199254740991"];

/** A flag's tokens, drawn for a clean case (valid values only) or a hostile one. */
interface Flag {
  clean: fc.Arbitrary<string[]>;
  hostile: fc.Arbitrary<string[]>;
}

/** `--name value`: in a hostile case the value is valid with weight 3 against 1 hostile. */
function valued(name: string, valid: fc.Arbitrary<string>, extraHostile: string[] = []): Flag {
  const hostile = fc.constantFrom(...HOSTILE, ...extraHostile);
  return {
    clean: valid.map((v) => [name, v]),
    hostile: fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostile }).map((v) => [name, v]),
  };
}

const int = (min: number, max: number) => fc.integer({ min, max }).map(String);
const float = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => String(Math.round(x * 1000) / 1000));
const choice = (...values: string[]) => fc.constantFrom(...values);
const file = fc.constantFrom(...FILES);
/** Mostly one of `good`, sometimes any fixture. */
const prefer = (...good: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: file });
const TEXT = prefer("tiny.txt", "zh.txt", "crlf.txt");
const MODEL = prefer("fx.wrnn", "fx.wrnn.ckpt", "fx.safetensors");
const output = fc.oneof({ weight: 3, arbitrary: fc.nat(1e6).map((n) => `out-${n}.wrnn`) }, { weight: 1, arbitrary: fc.nat(1e6).map((n) => `new-${n}/m.safetensors`) }, { weight: 2, arbitrary: fc.constantFrom(...OUTPUTS) });
const flag = (name: string): Flag => ({ clean: fc.constant([name]), hostile: fc.constant([name]) });

/** The flags that bound a training run's work: drawn on every train case, small when valid. */
const TRAIN_WORK: Flag[] = [
  valued("--hidden", int(1, 12), HUGE_SIZES),
  valued("--epochs", int(1, 2)),
  valued("--batch", int(1, 4), HUGE_SIZES),
  valued("--steps", int(4, 8), HUGE_SIZES), // ≥ 4: two epochs of the built-in names at batch 1 stay near a second
  valued("--sample-length", int(1, 20)),
  valued("--out", output), // else the default model.wrnn exists after the first case
];

const TRAIN_OPTIONAL: Flag[] = [
  // not 100000: that trains, with ~1 GiB of activations in the validation pass
  valued("--embed", int(1, 8), ["2147483647", "9007199254740991"]),
  valued("--layers", int(1, 2)),
  valued("--dropout", float(0, 0.6)),
  valued("--lr", float(0.0001, 2), ["1e38"]),
  valued("--optimizer", choice("sgd", "adam", "adamw"), ["SGD", "adam "]),
  valued("--momentum", float(0, 0.95)),
  valued("--weight-decay", float(0, 0.1)),
  valued("--clip", float(0, 5)),
  valued("--schedule", choice("constant", "step", "cosine")),
  valued("--partition", choice("sequential", "random")),
  valued("--seed", int(0, 2 ** 32 - 1), ["4294967296", "9007199254740991"]),
  valued("--val-split", float(0, 0.5), ["0.999"]),
  valued("--level", choice("char", "word")),
  valued("--min-freq", int(1, 3), ["1000000"]),
  valued("--cell", choice("rnn", "gru", "lstm")),
  valued("--sample-every", int(1, 2)),
  valued("--prefix", fc.string({ maxLength: 6 })),
  valued("--checkpoint", output),
  valued("--resume", prefer("fx.wrnn.ckpt")),
  valued("--builtin", choice("names"), ["Names"]),
  valued("--max-bytes", choice("1K", "64", "1M", "2G"), ["0", "1.5M", "12X"]),
  flag("--quiet"), flag("--force"), flag("--no-checkpoint"),
];

/** Drawn in hostile cases only. */
const hostileOnly = (f: Flag): Flag => ({ clean: fc.constant([] as string[]), hostile: f.hostile });

const MODEL_LOAD: Flag[] = [
  valued("--vocab", prefer("vocab.json")),
  // for safetensors without metadata only: on our fixtures always an error, so not in clean cases
  hostileOnly(valued("--cell-variant", choice("reset-after", "reset-before"))),
  hostileOnly(valued("--nonlinearity", choice("tanh", "relu"))),
];

const GENERATE: Flag[] = [
  valued("--length", int(1, 40)),
  valued("--temperature", float(0.05, 3)),
  valued("--top-k", int(1, 80), ["100000"]),
  valued("--top-p", float(0.01, 1)),
  valued("--seed", int(0, 2 ** 32 - 1), ["4294967296"]),
  valued("--prefix", fc.string({ maxLength: 6 })),
  flag("--greedy"),
  ...MODEL_LOAD,
];

const EVAL: Flag[] = [
  valued("--batch", int(1, 8), HUGE_SIZES),
  valued("--steps", int(1, 16), HUGE_SIZES),
  valued("--max-bytes", choice("1K", "1M"), ["0"]),
  ...MODEL_LOAD,
];

const CONVERT: Flag[] = [flag("--force"), flag("--allow-non-finite"), ...MODEL_LOAD];

// ------------------------------------------------------------------------------------------ tasks ----

/** A fit's data file and the flags its task needs, for each task; in a hostile case, sometimes any file. */
const FIT_DATA: Record<string, string[][]> = {
  classify: [["reviews.csv"], ["reviews.csv", "--level", "word"], ["traces.jsonl", "--text", "trace"]],
  tag: [["tags.jsonl"], ["tags.csv"]],
  regress: [["sums.csv"], ["cumsum.jsonl", "--per-step"]],
  forecast: [
    ["daily.csv", "--target", "sales"], ["daily.csv", "--target", "sales", "--date", "date", "--calendar", "dayOfWeek"],
    ["daily.csv", "--target", "sales,temp", "--date", "date"], ["daily.csv", "--target", "sales", "--features", "temp"],
  ],
};
const TASK_NAMES = Object.keys(FIT_DATA);
const taskData = fc.constantFrom(...TASK_DATA);
const anyData = fc.oneof({ weight: 3, arbitrary: taskData }, { weight: 1, arbitrary: file });

/** Damaged data files with the task (and fields) they would be read for. */
const DAMAGED_FIT: string[][] = [
  ["quote.csv", "--task", "classify"], ["unknown-label.csv", "--task", "tag", "--tokens", "text", "--tags", "label"],
  ["header-only.csv", "--task", "forecast", "--target", "sales"], ["nan.csv", "--task", "regress"],
  ["nan.csv", "--task", "classify", "--level", "word"], ["no-label.jsonl", "--task", "classify"], ["ragged.jsonl", "--task", "regress"],
  ["dates.csv", "--task", "forecast", "--target", "sales", "--date", "date"], ["dates.csv", "--task", "forecast", "--target", "sales,temp"],
];

/** `<data> --task t` and the task's field flags; hostile: a damaged file, a mismatched task or file, or no --task. */
function fitData(hostile: boolean): fc.Arbitrary<string[]> {
  const right = fc.constantFrom(...TASK_NAMES).chain((task) => fc.constantFrom(...FIT_DATA[task]).map(([data, ...fields]) => [data, "--task", task, ...fields]));
  if (!hostile) return right;
  const damaged = fc.constantFrom(...DAMAGED_FIT).map((a) => [...a]);
  const wrong = fc.tuple(anyData, fc.constantFrom(...TASK_NAMES, "sort", "")).map(([data, task]) => [data, "--task", task]);
  const noTask = anyData.map((data) => [data]);
  return fc.oneof({ weight: 5, arbitrary: right }, { weight: 2, arbitrary: damaged }, { weight: 2, arbitrary: wrong }, { weight: 1, arbitrary: noTask }, { weight: 1, arbitrary: fc.constant([] as string[]) });
}

const outputOf = (...extensions: string[]) => fc.oneof({ weight: 3, arbitrary: fc.tuple(fc.nat(1e6), fc.constantFrom(...extensions)).map(([n, e]) => `out-${n}.${e}`) }, { weight: 1, arbitrary: output });

/** The flags that bound a fit's work: drawn on every fit case, small when valid. */
const FIT_WORK: Flag[] = [
  valued("--hidden", int(1, 8), HUGE_SIZES),
  valued("--epochs", int(1, 2)),
  valued("--out", outputOf("wrnn", "wrnn", "safetensors")),
];

const FIELD_NAMES = ["text", "label", "trace", "tokens", "tags", "input", "target", "sales", "temp", "date", "nope", "sales,temp", "sales,sales", ","];
const field = (name: string, ...good: string[]) => valued(name, choice(...good), FIELD_NAMES);

const FIT_OPTIONAL: Flag[] = [
  valued("--level", choice("char", "word"), ["byte"]),
  valued("--max-length", int(1, 20), HUGE_SIZES),
  valued("--min-freq", int(1, 3), ["1000000"]),
  valued("--cell", choice("rnn", "gru", "lstm")),
  valued("--layers", int(1, 2)),
  flag("--bidirectional"),
  valued("--embed", int(1, 8), ["2147483647", "9007199254740991"]),
  valued("--dropout", float(0, 0.6), ["1"]),
  valued("--pool", choice("last", "mean", "max")),
  valued("--batch-size", int(1, 64), HUGE_SIZES),
  valued("--lr", float(0.0001, 0.1), ["1e38"]),
  valued("--optimizer", choice("sgd", "adam", "adamw")),
  valued("--weight-decay", float(0, 0.1)),
  valued("--clip", float(0, 5)),
  valued("--schedule", choice("constant", "step", "cosine")),
  valued("--seed", int(0, 2 ** 32 - 1), ["4294967296"]),
  valued("--validation", float(0, 0.5), ["0.999", "1"]),
  valued("--early-stopping", int(1, 3)),
  valued("--monitor", choice("loss", "accuracy", "macro-f1", "mae", "rmse"), ["f1"]),
  valued("--class-weights", choice("balanced"), ["equal"]),
  valued("--lookback", int(1, 30), HUGE_SIZES),
  valued("--horizon", int(1, 7), HUGE_SIZES),
  valued("--output", choice("direct", "step")),
  valued("--calendar", choice("dayOfWeek", "month,dayOfMonth", "dayOfYear"), ["dayofweek", "dayOfWeek,dayOfWeek", ","]),
  valued("--validation-from", choice("2023-03-15", "70", "0"), ["2023-13-01", "2030-01-01", "-5", "100000"]),
  valued("--checkpoint", output),
  valued("--resume", prefer("task-classify.wrnn.ckpt", "task-forecast.wrnn.ckpt", "fx.wrnn.ckpt")),
  valued("--max-bytes", choice("1K", "1M"), ["0"]),
  flag("--no-checkpoint"), flag("--force"), flag("--dry-run"), flag("--quiet"),
  hostileOnly(field("--text", "text", "trace")), hostileOnly(field("--label", "label")), hostileOnly(field("--tokens", "tokens")),
  hostileOnly(field("--tags", "tags")), hostileOnly(field("--input", "input")), hostileOnly(field("--target", "target", "sales")),
  hostileOnly(field("--date", "date")), hostileOnly(field("--features", "temp")), hostileOnly(flag("--per-step")),
];

/** A task model and data of its kind; in a hostile case, sometimes any model with any file. */
const TASK_PAIRS: [string, string][] = [
  ["task-classify.wrnn", "reviews.csv"], ["task-classify.wrnn.ckpt", "reviews.csv"], ["task-traces.safetensors", "traces.jsonl"],
  ["task-tag.wrnn", "tags.csv"], ["task-tag.wrnn", "tags.jsonl"], ["task-regress.wrnn", "sums.csv"], ["task-steps.wrnn", "cumsum.jsonl"],
  ["task-forecast.wrnn", "daily.csv"], ["task-step.wrnn", "daily.csv"],
];
/** A model with damaged data of its own kind (a label it does not know, a bad number, a bad date, …). */
const DAMAGED_PAIRS: [string, string][] = [
  ["task-classify.wrnn", "unknown-label.csv"], ["task-classify.wrnn", "quote.csv"], ["task-classify.wrnn", "no-label.jsonl"],
  ["task-classify.wrnn", "nan.csv"], ["task-traces.safetensors", "reviews.csv"], ["task-tag.wrnn", "no-label.jsonl"],
  ["task-regress.wrnn", "nan.csv"], ["task-regress.wrnn", "ragged.jsonl"], ["task-steps.wrnn", "sums.csv"],
  ["task-forecast.wrnn", "dates.csv"], ["task-forecast.wrnn", "header-only.csv"], ["task-step.wrnn", "dates.csv"],
];
const TASK_MODEL = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...TASK_MODELS) }, { weight: 1, arbitrary: file });

function taskPair(hostile: boolean): fc.Arbitrary<string[]> {
  const right = fc.constantFrom(...TASK_PAIRS).map((p) => [...p]);
  if (!hostile) return right;
  return fc.oneof(
    { weight: 4, arbitrary: right },
    { weight: 2, arbitrary: fc.constantFrom(...DAMAGED_PAIRS).map((p) => [...p]) },
    { weight: 2, arbitrary: fc.tuple(TASK_MODEL, anyData).map((p) => [...p]) },
    { weight: 1, arbitrary: fc.array(fc.oneof(taskData, file), { maxLength: 3 }) },
  );
}

/** predict and eval: the field flags, mostly naming the model's own fields. */
const TASK_FIELDS: Flag[] = [
  field("--text", "text", "trace"), field("--label", "label"), field("--tokens", "tokens"), field("--tags", "tags"),
  field("--input", "input"), field("--target", "target", "sales"), field("--date", "date"), field("--features", "temp"),
];

const PREDICT: Flag[] = [
  valued("--format", choice("jsonl", "csv"), ["xml", "CSV"]),
  valued("--out", outputOf("jsonl", "csv")),
  // not huge: a step model forecasts that many steps one at a time
  valued("--steps", int(1, 5), ["1000"]),
  valued("--batch-size", int(1, 64), HUGE_SIZES),
  valued("--max-bytes", choice("1K", "1M"), ["0"]),
  flag("--force"), flag("--allow-non-finite"),
  ...TASK_FIELDS.map(hostileOnly),
];

const EVAL_TASK: Flag[] = [
  valued("--batch", int(1, 64), HUGE_SIZES),
  valued("--steps", int(1, 4), HUGE_SIZES),
  valued("--max-bytes", choice("1K", "1M"), ["0"]),
  flag("--allow-non-finite"),
  ...TASK_FIELDS.map(hostileOnly),
  ...MODEL_LOAD.map(hostileOnly),
];

/** Tokens that do not belong: unknown or misspelt flags, help, stray words. */
const NOISE = fc.constantFrom(
  ["--bogus"], ["--hiden", "8"], ["-x"], ["--hidden=3"], ["--no-quiet"], ["extra.txt"], ["-h"], ["--help"], ["--version"],
  ["--"], ["-"], ["--out"], ["🙂"], ["--Hidden", "3"], ["--epochs", "1", "--epochs", "2"],
);

const draw = (flags: Flag[], hostile: boolean) => flags.map((f) => (hostile ? f.hostile : f.clean));

/** Positional arguments, one of each kind; in a hostile case sometimes too few or too many. */
function positionals(kinds: fc.Arbitrary<string>[], hostile: boolean): fc.Arbitrary<string[]> {
  const right = fc.tuple(...kinds).map((a) => [...a]);
  if (!hostile) return right;
  return fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: fc.array(file, { maxLength: kinds.length + 2 }) });
}

/**
 * `name`, its positionals, every flag of `required`, up to `maxOptional` of `optional`; a hostile case adds
 * hostile values, maybe a stray token, a shuffled order, and maybe a flag left without its value at the end.
 */
function command(name: string, args: (hostile: boolean) => fc.Arbitrary<string[]>, required: Flag[], optional: Flag[], maxOptional: number): fc.Arbitrary<string[]> {
  const build = (hostile: boolean) => {
    const req = draw(required, hostile);
    const opt = fc.array(fc.oneof(...draw(optional, hostile)), { maxLength: maxOptional }).map((f) => f.flat());
    const noise = hostile ? fc.array(NOISE, { maxLength: 1 }).map((n) => n.flat()) : fc.constant([] as string[]);
    const tail = hostile ? fc.oneof({ weight: 6, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.constantFrom(["--out"], ["--vocab"], ["--hidden"], ["--"]) }) : fc.constant([] as string[]);
    const reqTokens = req.length > 0 ? fc.tuple(...req).map((f) => f.flat()) : fc.constant([] as string[]);
    return fc.tuple(args(hostile), reqTokens, opt, noise, tail, fc.boolean()).map(([pos, r, o, n, t, shuffle]) =>
      [name, ...(hostile && shuffle ? [...o, ...pos, ...r, ...n] : [...pos, ...r, ...o, ...n]), ...t]);
  };
  return fc.oneof({ weight: 3, arbitrary: build(false) }, { weight: 2, arbitrary: build(true) });
}

/** Any model for convert: a language model's, a task model's, or any file. */
const CONVERTIBLE = fc.oneof({ weight: 2, arbitrary: MODEL }, { weight: 2, arbitrary: TASK_MODEL });

/** quantize's --to and --out (both required), then convert's loading flags. */
const QUANTIZE_WORK: Flag[] = [valued("--to", fc.constantFrom("int8", "f16"), ["int4", "f32", "INT8"]), valued("--out", outputOf("wrnn", "safetensors"))];

/** One argv (without "node wasm-rnn"). */
export const argv: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 5, arbitrary: command("train", (h) => fc.oneof({ weight: 4, arbitrary: positionals([TEXT], h) }, { weight: 1, arbitrary: fc.constant([] as string[]) }), TRAIN_WORK, TRAIN_OPTIONAL, 5) },
  { weight: 3, arbitrary: command("generate", (h) => positionals([MODEL], h), [], GENERATE, 4) },
  { weight: 3, arbitrary: command("eval", (h) => positionals([MODEL, TEXT], h), [], EVAL, 3) },
  { weight: 2, arbitrary: command("convert", (h) => positionals([CONVERTIBLE, fc.oneof(output, file)], h), [], CONVERT, 2) },
  { weight: 2, arbitrary: command("quantize", (h) => positionals([CONVERTIBLE], h), QUANTIZE_WORK, CONVERT, 2) },
  { weight: 3, arbitrary: command("fit", fitData, FIT_WORK, FIT_OPTIONAL, 5) },
  { weight: 2, arbitrary: command("predict", taskPair, [], PREDICT, 3) },
  { weight: 2, arbitrary: command("eval", taskPair, [], EVAL_TASK, 3) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.constantFrom("help", "train", "fit", "predict", "frobnicate", "--help", "-V", ...HOSTILE.slice(0, 8)), file), { maxLength: 3 }) },
);
