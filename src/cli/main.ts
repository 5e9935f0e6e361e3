// The command line: `wasm-rnn train | generate | eval | convert | quantize` for language models, `fit | predict | eval`
// for task models (classify, tag, regress, forecast). Every failure ends as one line
// "wasm-rnn: error: …" on stderr with a non-zero exit code (see errors.ts).

import { createRequire } from "node:module";
import { Command } from "commander";
import { reportError } from "./errors.js";
import { registerTrain } from "./train.js";
import { registerGenerate } from "./generate.js";
import { registerEval } from "./eval.js";
import { registerConvert } from "./convert.js";
import { registerFit } from "./fit.js";
import { registerPredict } from "./predict.js";
import { registerQuantize } from "./quantize.js";

function packageVersion(): string {
  try {
    // dist/src/cli/main.js → the package root
    return (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;
  } catch {
    return "unknown";
  }
}

export function createProgram(): Command {
  const program = new Command("wasm-rnn")
    .description("train and run recurrent networks (RNN, GRU, LSTM) on a WebAssembly SIMD core: language models, and classifiers, taggers, regressors and forecasters")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    // errors surface as CommanderError exceptions and are printed by reportError as one line
    .exitOverride()
    // help for a usage error (no command) would go to stderr: reportError prints one line instead
    .configureOutput({ outputError: () => {}, writeErr: () => {} });
  registerTrain(program);
  registerGenerate(program);
  registerEval(program);
  registerConvert(program);
  registerFit(program);
  registerPredict(program);
  registerQuantize(program);
  program.addHelpText("after", `
Examples:
  wasm-rnn train --builtin names --cell gru --hidden 128 --epochs 20 --out names.wrnn
  wasm-rnn train book.txt --level word --embed 64 --out book.wrnn
  wasm-rnn generate names.wrnn --length 300 --temperature 0.8 --seed 1
  wasm-rnn eval book.wrnn chapter12.txt
  wasm-rnn convert names.wrnn names.safetensors
  wasm-rnn quantize names.wrnn --to int8 --out names-int8.wrnn
  wasm-rnn fit reviews.csv --task classify --level word --epochs 5 --out reviews.wrnn
  wasm-rnn fit tags.jsonl --task tag --bidirectional --out tagger.wrnn
  wasm-rnn fit sales.csv --task forecast --date date --target sales --lookback 28 --horizon 7 --out sales.wrnn
  wasm-rnn predict reviews.wrnn new.csv --format csv
  wasm-rnn eval sales.wrnn sales-2024.csv

Set WASM_RNN_DEBUG=1 to print the stack of an error.`);
  return program;
}

let stdoutGuarded = false;

/** `wasm-rnn generate … | head` closes stdout early: stop quietly. Once per process, however often main runs. */
function guardStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** Runs the command line on `argv` (process.argv's layout) and returns the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  guardStdout();
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (e) {
    return reportError(e);
  }
}
