// `wasm-rnn eval <model> <text>`: the perplexity of a text under a language model (eval mode, state carried),
// or, for a task model (fit's), its metrics on a labelled CSV / JSONL file (task-eval.ts).

import type { Command } from "commander";
import { evaluatePerplexity } from "../node.js";
import { addModelLoadOptions, loadModelWithVocab, type ModelLoadOptions } from "./convert.js";
import { addMaxBytesOption, readTextFile } from "./corpus.js";
import { fail } from "./errors.js";
import { filePath, positiveInt } from "./values.js";
import { isTaskModelFile, refuseLanguageModelFlags } from "./model-kind.js";
import { givenFlags } from "./given-flags.js";
import { evalTask } from "./task-eval.js";
import { FIELD_FLAGS, addFieldOptions, type FieldFlags } from "./task-use.js";

/** Lanes and chunk length of evaluatePerplexity; train uses the same for its validation perplexity. */
export const EVAL_BATCH = 32;
export const EVAL_STEPS = 64;

interface EvalFlags extends ModelLoadOptions, FieldFlags {
  batch: number;
  steps: number;
  maxBytes: number;
}

export function registerEval(program: Command): void {
  const command = program
    .command("eval")
    .description("print the perplexity of a text under a language model, or a task model's metrics on labelled data")
    .argument("<model>", "a .wrnn model, a checkpoint or a .safetensors file with a vocabulary; or a task model (wasm-rnn fit)", filePath)
    .argument("<text>", "a UTF-8 text file; for a task model, a .csv or .jsonl file with labels or targets", filePath)
    .option("--batch <lanes>", "the text is read in this many parallel lanes (each lane's first token has no context); task models: sequences per batch", positiveInt, EVAL_BATCH)
    .option("--steps <n>", "tokens per chunk (the state is carried across chunks); step-by-step forecast models: steps forecast from each window (default 1)", positiveInt, EVAL_STEPS);
  addFieldOptions(addMaxBytesOption(addModelLoadOptions(command), "text or data file")).action(async (path: string, textPath: string, flags: EvalFlags, cmd: Command) => {
    const given = givenFlags(cmd);
    const fieldFlags = FIELD_FLAGS.filter(given);
    if (await isTaskModelFile(path)) {
      refuseLanguageModelFlags(given, path);
      await evalTask(path, textPath, { ...flags, steps: given("steps") ? flags.steps : undefined });
      return;
    }
    if (fieldFlags.length > 0) fail(`--${fieldFlags[0]} names a field of a task model's data; ${path} is not a task model (wasm-rnn fit makes those)`);
    const { text } = await readTextFile(textPath, "text", flags.maxBytes);
    const { lm, vocab } = await loadModelWithVocab(path, flags);
    try {
      const ids = vocab.encode(text);
      if (ids.length < 2) fail(`${textPath} has ${ids.length} token${ids.length === 1 ? "" : "s"}; a perplexity needs at least 2`);
      let unknown = 0;
      const unk = vocab.unkId;
      for (const id of ids) if (id === unk) unknown++;
      const r = evaluatePerplexity(lm, ids, { batchSize: flags.batch, seqLen: flags.steps });
      const out = [
        `perplexity ${r.perplexity.toFixed(3)}`,
        `cross-entropy ${r.loss.toFixed(4)} nats/token (${(r.loss / Math.LN2).toFixed(4)} bits)`,
        `tokens ${ids.length} (${r.tokens} predicted, ${vocab.level} level), unknown ${unknown}`,
      ];
      process.stdout.write(out.join("\n") + "\n");
    } finally {
      lm.dispose();
    }
  });
}
